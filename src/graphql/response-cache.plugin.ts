import { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { FormattedExecutionResult } from 'graphql';
import { ROUTE_KINDS } from '../auth/policy';
import { MaskingService } from '../masking/masking.service';
import { ResponseCache } from '../serving/response-cache';
import { GraphqlContext } from './graphql-context';

/** The cache key of a query operation: the caller (roles and row scope decide masking and rows)
 *  and the exact operation asked; null when the request cannot be cached. */
function keyOf(
  cache: ResponseCache,
  masking: MaskingService,
  context: GraphQLRequestContext<GraphqlContext>,
): string | null {
  const { contextValue, request, source, operation } = context;
  const principal = contextValue.principal;
  if (operation?.operation !== 'query' || source === undefined || !principal) return null;
  // Reads that show PII in clear are audited per root field as they execute: never skipped.
  const seesClear = ROUTE_KINDS.some((kind) =>
    Object.values(masking.strategiesFor(principal, kind)).includes('clear'),
  );
  if (seesClear) return null;
  const variables = request.variables ? JSON.stringify(request.variables) : '';
  return cache.keyOf(principal, `graphql\n${context.operationName ?? ''}\n${variables}\n${source}`);
}

/**
 * GraphQL answers through the same response cache as REST reads: a query asked again by a caller
 * with the same roles and scope, on the same snapshot, is answered from it without executing.
 * Only complete answers (no errors) read from the active snapshot alone are stored; the cache is
 * dropped on publish. Runs after authentication, rate limiting and the operation limits. Callers
 * who see some PII in clear are not cached: each of their reads writes an audit entry.
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
          key = keyOf(cache, masking, context);
          const entry = key === null ? undefined : cache.get(key);
          if (!entry?.value) return null;
          hit = true;
          context.contextValue.snapshotIds.add(entry.snapshotId);
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
          const body = JSON.stringify(result);
          // No ETag for POST answers; the body's length is what the cache accounts for.
          cache.set(key, { snapshotId, body, etag: '', value: result });
        },
      };
    },
  };
}
