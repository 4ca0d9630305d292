import { applyDecorators } from '@nestjs/common';
import { Field, Float, ID, Int } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { GraphQLScalarType } from 'graphql';
import { DateScalar, DateTimeScalar } from './scalars';

export type FieldKind = 'string' | 'id' | 'int' | 'float' | 'boolean' | 'datetime' | 'date';

export interface ApiFieldOptions {
  kind: FieldKind;
  nullable?: boolean;
  description?: string;
  example?: string | number | boolean;
  /** OpenAPI only: the named enum the value belongs to (GraphQL serves it as a String). */
  enum?: { values: Record<string, string> | readonly string[]; name: string };
  minimum?: number;
  maximum?: number;
}

type GraphqlType = typeof Int | typeof Float | typeof ID | typeof String | typeof Boolean | GraphQLScalarType;

const GRAPHQL_TYPES: Record<FieldKind, () => GraphqlType> = {
  string: () => String,
  id: () => ID,
  int: () => Int,
  float: () => Float,
  boolean: () => Boolean,
  datetime: () => DateTimeScalar,
  date: () => DateScalar,
};

function openApiType(kind: FieldKind): {
  type: 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
} {
  switch (kind) {
    case 'string':
    case 'id':
      return { type: 'string' };
    case 'int':
      return { type: 'integer' };
    case 'float':
      return { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'datetime':
      return { type: 'string', format: 'date-time' };
    case 'date':
      return { type: 'string', format: 'date' };
  }
}

/** snake_case → camelCase: the GraphQL name of a REST field. */
export const camelCase = (name: string): string =>
  name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/**
 * One field of a read model, declared once for both transports: the OpenAPI property keeps the
 * snake_case name REST serves; the GraphQL field takes the camelCase name and resolves from the
 * same snake_case property, so REST and GraphQL serve the very same row.
 */
export function ApiField(options: ApiFieldOptions): PropertyDecorator {
  return (target: object, propertyKey: string | symbol): void => {
    const key = String(propertyKey);
    const graphqlType = GRAPHQL_TYPES[options.kind];
    applyDecorators(
      ApiProperty(<ApiPropertyOptions>{
        ...openApiType(options.kind),
        ...(options.nullable ? { nullable: true } : {}),
        ...(options.description ? { description: options.description } : {}),
        ...(options.example !== undefined ? { example: options.example } : {}),
        ...(options.minimum !== undefined ? { minimum: options.minimum } : {}),
        ...(options.maximum !== undefined ? { maximum: options.maximum } : {}),
        ...(options.enum ? { enum: options.enum.values, enumName: options.enum.name } : {}),
      }),
      Field(graphqlType, {
        name: camelCase(key),
        nullable: options.nullable ?? false,
        ...(options.description ? { description: options.description } : {}),
      }),
    )(target, propertyKey);
  };
}
