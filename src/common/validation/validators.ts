import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { Field, Int } from '@nestjs/graphql';
import {
  IsBoolean,
  IsDate,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  Validate,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { parseIsoDate, parseIsoInstant } from './iso-time';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;

const single = (value: unknown): unknown => (Array.isArray(value) ? value[value.length - 1] : value);

/** `limit`: an integer 1–max, default 50. */
export function ValidateLimit(max = MAX_PAGE_LIMIT): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: max, default: DEFAULT_PAGE_LIMIT }),
    IsOptional(),
    Transform(({ value }) => {
      const raw = single(value);
      return typeof raw === 'string' && /^-?\d{1,6}$/.test(raw) ? Number(raw) : raw;
    }),
    IsInt({ message: '$property must be an integer' }),
    Min(1),
    Max(max),
  );
}

/** An opaque pagination cursor; its content is checked where it is decoded. */
export function ValidateCursor(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: String,
      description: 'Opaque cursor from `page.next_cursor` of the previous page',
    }),
    IsOptional(),
    Transform(({ value }) => single(value)),
    IsString(),
    MaxLength(1024),
  );
}

/** An ISO-8601 date (`YYYY-MM-DD`, midnight UTC) or timestamp; becomes a Date. */
export function ValidateIsoInstant(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, description, example: '2025-01-31T00:00:00Z' }),
    IsOptional(),
    Transform(({ value }) => {
      const raw = single(value);
      return typeof raw === 'string' ? (parseIsoInstant(raw) ?? raw) : raw;
    }),
    IsDate({ message: '$property must be an ISO-8601 date (YYYY-MM-DD) or timestamp' }),
  );
}

/** `true` / `false`. */
export function ValidateBooleanFlag(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: Boolean, description, default: false }),
    IsOptional(),
    Transform(({ value }) => {
      const raw = single(value);
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    }),
    IsBoolean({ message: '$property must be true or false' }),
  );
}

/** An ISO-2 country code, accepted in any case and served upper-case. */
export function ValidateCountry(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, description, example: 'DE', pattern: '^[A-Za-z]{2}$' }),
    IsOptional(),
    Transform(({ value }) => {
      const raw = single(value);
      return typeof raw === 'string' ? raw.trim().toUpperCase() : raw;
    }),
    IsString(),
    Matches(/^[A-Z]{2}$/, { message: '$property must be an ISO-2 country code' }),
  );
}

/** A non-negative amount with at most 2 decimals, kept as text so it stays exact. */
export function ValidateMoney(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: String,
      description,
      example: '100.00',
      pattern: '^\\d{1,15}(\\.\\d{1,2})?$',
    }),
    IsOptional(),
    Transform(({ value }) => single(value)),
    IsString(),
    Matches(/^\d{1,15}(\.\d{1,2})?$/, {
      message: '$property must be a non-negative amount with at most 2 decimals',
    }),
  );
}

/**
 * What an identifier (customer, order, product id) may look like on the API: 1–64 ASCII letters,
 * digits and `_ . : @ + = -`, starting with a letter or digit. Anything else (quotes, semicolons,
 * spaces, other scripts, control characters) is a 400 before it reaches a query.
 */
export const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.:@+=-]{0,63}$/;
export const IDENTIFIER_RULE = '1–64 letters, digits or _ . : @ + = -, starting with a letter or digit';

/**
 * A category name as a filter: 1–64 letters (any script), digits, spaces and `& , . / + -`,
 * starting with a letter or digit. Quotes, semicolons, wildcards and control characters are a 400.
 */
export const CATEGORY = /^[\p{L}\p{N}][\p{L}\p{N} &,./+-]{0,63}$/u;
export const CATEGORY_RULE = '1–64 letters, digits, spaces or & , . / + -, starting with a letter or digit';

/** A path identifier (see IDENTIFIER). */
export function ValidateIdentifier(description: string): PropertyDecorator {
  return applyDecorators(
    IsString(),
    Matches(IDENTIFIER, { message: `$property must be ${IDENTIFIER_RULE}` }),
    ApiProperty({ type: String, description, maxLength: 64, pattern: IDENTIFIER.source }),
  );
}

/** GraphQL `first` of a connection: 1–max (default `fallback`), validated like REST `limit`. */
export function ValidateGraphqlFirst(fallback: number, max = MAX_PAGE_LIMIT): PropertyDecorator {
  return applyDecorators(
    Field(() => Int, { defaultValue: fallback, description: `Page size, 1–${max}` }),
    IsInt({ message: '$property must be an integer' }),
    Min(1),
    Max(max),
  );
}

/** GraphQL `after`: the opaque cursor of an edge or `pageInfo.endCursor`. */
export function ValidateGraphqlCursor(): PropertyDecorator {
  return applyDecorators(
    Field(() => String, { nullable: true, description: 'Cursor to continue after' }),
    IsOptional(),
    IsString(),
    MaxLength(1024),
  );
}

/** A required calendar day `YYYY-MM-DD` (REST query). */
export function ValidateIsoDate(description: string): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ type: String, format: 'date', description, example: '2025-01-31' }),
    Transform(({ value }) => single(value)),
    IsString({ message: '$property is required: a calendar day YYYY-MM-DD' }),
    Validate(IsoDateConstraint),
  );
}

@ValidatorConstraint({ name: 'isoDate' })
class IsoDateConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && parseIsoDate(value) !== null;
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be a calendar day YYYY-MM-DD`;
  }
}
