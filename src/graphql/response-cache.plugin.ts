import { ApolloServerPlugin } from '@apollo/server';
import { FormattedExecutionResult } from 'graphql';
import { ROUTE_KINDS } from '../auth/policy';
import { Principal } from '../auth/principal';
import { MaskingService } from '../masking/masking.service';
import { ResponseCache } from '../serving/response-cache';
import { GraphqlContext } from './graphql-context';

/** What identifies a GraphQL operation as the client asked it. */
export interface GraphqlAsk {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/**
 * The cache key of an operation: the caller (roles and row scope decide masking and rows) and
 * the operation exactly as asked (text, operation name, variables); null when the caller sees
 * some PII in clear: their reads are audited per root field as they execute, never skipped.
 */
export function graphqlCacheKey(
  cache: ResponseCache,
  masking: MaskingService,
  principal: Principal,
  ask: GraphqlAsk,
): string | null {
  if (ROUTE_KINDS.some((kind) => masking.seesClear(principal, kind))) return null;
  const variables = ask.variables ? JSON.stringify(ask.variables) : '';
  return cache.keyOf(principal, `graphql\n${ask.operationName ?? ''}\n${variables}\n${ask.query}`);
}

/** The answer as Apollo sends a single result (its field order, a final newline). */
export function graphqlResponseBody(result: FormattedExecutionResult): string {
  return `${JSON.stringify({ errors: result.errors, data: result.data, extensions: result.extensions })}\n`;
}

/** Requests whose cache look-up the GraphQL cache hook already made (and missed). */
export const graphqlCacheConsulted = new WeakSet<object>();

/**
 * GraphQL answers through the same response cache as REST reads: a query asked again by a caller
 * with the same roles and scope, on the same snapshot, is answered from it without executing —
 * by the GraphQL cache hook before Apollo for JSON POSTs (graphql-cache.hook.ts), here for the
 * rest. Only complete answers (no errors) read from the active snapshot alone are stored; the
 * cache is dropped on publish. Runs after authentication, rate limiting and the operation limits.
 */
export function responseCachePlugin(
  cache: ResponseCache,
  masking: MaskingService,
): ApolloServerPlugin<GraphqlContext> {
  return {
    async requestDidStart() {
      if (!cache.enabled) return;
      let key: string | null = null;
      let hit = false;
      return {
        async responseForOperation(context) {
          const { contextValue, request, source, operation } = context;
          const principal = contextValue.principal;
          if (operation?.operation !== 'query' || source === undefined || !principal) return null;
          key = graphqlCacheKey(cache, masking, principal, {
            query: source,
            operationName: request.operationName,
            variables: request.variables,
          });
          if (key === null || graphqlCacheConsulted.has(contextValue.req)) return null;
          const entry = cache.get(key);
          if (!entry?.value) return null;
          hit = true;
          contextValue.snapshotIds.add(entry.snapshotId);
          return {
            http: context.response.http,
            body: { kind: 'single', singleResult: entry.value as FormattedExecutionResult },
          };
        },
        async willSendResponse({ contextValue, response }) {
          if (hit || key === null || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const snapshots = contextValue.snapshotIds;
          if (result.errors !== undefined || snapshots.size !== 1) return;
          const [snapshotId] = snapshots;
          // No ETag for POST answers; the body is the bytes Apollo sent.
          cache.set(key, { snapshotId, body: graphqlResponseBody(result), etag: '', value: result });
        },
      };
    },
  };
}
