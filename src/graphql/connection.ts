import { Type } from '@nestjs/common';
import { Field, Int, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';

@ObjectType('PageInfo')
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge; pass it as `after`' })
  endCursor!: string | null;
}

export const TOTAL_COUNT: unique symbol = Symbol('c360.totalCount');

/** A Relay connection as resolvers build it; `totalCount` is computed only when selected. */
export interface ConnectionValue<N> {
  edges: Array<{ cursor: string; node: N }>;
  pageInfo: PageInfo;
  [TOTAL_COUNT]: () => Promise<number>;
}

export interface ConnectionTypes {
  Edge: Type<unknown>;
  Connection: Type<unknown>;
}

/** `<Name>Edge { cursor node }` and `<Name>Connection { edges pageInfo totalCount }`; its
 *  `totalCount` comes from totalCountResolver. */
export function connectionTypes(name: string, node: Type<unknown>): ConnectionTypes {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: unknown;
  }

  @ObjectType(`${name}Connection`)
  class Connection {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }

  return { Edge, Connection };
}

/** Builds a connection from rows already masked and sourced, with the cursor of each row. */
export function connectionOf<N>(
  nodes: N[],
  cursorOf: (node: N) => string,
  hasNextPage: boolean,
  totalCount: () => Promise<number>,
): ConnectionValue<N> {
  // Cursors are signed (an HMAC each): computed only for the edges whose `cursor` is selected.
  const edges = nodes.map((node) => ({
    node,
    get cursor(): string {
      return cursorOf(node);
    },
  }));
  const last = nodes.length > 0 ? nodes[nodes.length - 1] : undefined;
  return {
    edges,
    pageInfo: {
      hasNextPage,
      get endCursor(): string | null {
        return last === undefined ? null : cursorOf(last);
      },
    },
    [TOTAL_COUNT]: totalCount,
  };
}

/** The resolver of a connection type's `totalCount`: computed only when a query selects it. */
export function totalCountResolver(name: string, connection: Type<unknown>): Type<unknown> {
  @Resolver(() => connection)
  class TotalCountResolver {
    @ResolveField('totalCount', () => Int, { description: 'Rows matching the arguments, over all pages' })
    totalCount(@Parent() parent: ConnectionValue<unknown>): Promise<number> {
      return parent[TOTAL_COUNT]();
    }
  }
  Object.defineProperty(TotalCountResolver, 'name', { value: `${name}TotalCountResolver` });
  return TotalCountResolver;
}
