import { ApolloServerPlugin } from '@apollo/server';
import { SNAPSHOT_HEADER } from '../serving/snapshot-result';
import { GraphqlContext } from './graphql-context';

/** `X-C360-Snapshot` on GraphQL answers too: the snapshot(s) the root fields read from. */
export function snapshotHeaderPlugin(): ApolloServerPlugin<GraphqlContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const ids = contextValue.snapshotIds;
          if (ids && ids.size > 0)
            response.http.headers.set(SNAPSHOT_HEADER.toLowerCase(), [...ids].join(', '));
        },
      };
    },
  };
}
