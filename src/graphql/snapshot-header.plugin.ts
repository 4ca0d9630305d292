import { ApolloServerPlugin } from '@apollo/server';
import { SNAPSHOT_HEADER } from '../serving/snapshot-result';
import { GraphqlContext } from './graphql-context';

/** `X-C360-Snapshot` on GraphQL answers too: the snapshot(s) the root fields read from; and
 *  `Cache-Control: no-store`. */
export function snapshotHeaderPlugin(): ApolloServerPlugin<GraphqlContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          // GraphQL answers are per caller and never stored (what Apollo's cache-control plugin,
          // turned off for speed, would have said).
          if (!response.http.headers.has('cache-control'))
            response.http.headers.set('cache-control', 'no-store');
          const ids = contextValue.snapshotIds;
          if (ids && ids.size > 0)
            response.http.headers.set(SNAPSHOT_HEADER.toLowerCase(), [...ids].join(', '));
        },
      };
    },
  };
}
