import { ApolloServerPlugin } from '@apollo/server';
import {
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLError,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
import {
  ComplexityEstimator,
  fieldExtensionsEstimator,
  getComplexity,
  simpleEstimator,
} from 'graphql-query-complexity';
import { QUERY_TOO_COMPLEX, QUERY_TOO_DEEP } from './graphql-errors';

/** Deepest field nesting of the operation (fragments inlined; `{ a { b } }` is 2). */
export function operationDepth(document: DocumentNode, operationName?: string | null): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (
      definition.kind === Kind.OPERATION_DEFINITION &&
      (operationName ? definition.name?.value === operationName : operation === undefined)
    ) {
      operation = definition;
    }
  }
  const depthOf = (set: SelectionSetNode | undefined, visiting: Set<string>): number => {
    if (!set) return 0;
    let deepest = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, visiting));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, depthOf(selection.selectionSet, visiting));
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // A fragment cycle is a validation error of its own; do not recurse forever meanwhile.
        if (!fragment || visiting.has(name)) continue;
        visiting.add(name);
        deepest = Math.max(deepest, depthOf(fragment.selectionSet, visiting));
        visiting.delete(name);
      }
    }
    return deepest;
  };
  return operation ? depthOf(operation.selectionSet, new Set()) : 0;
}

/** A connection costs its page size times its items (`first`, default included in `args`). */
const connectionEstimator: ComplexityEstimator = ({ args, childComplexity }) =>
  typeof args.first === 'number' ? 1 + childComplexity * args.first : undefined;

const tooMuch = (message: string, code: string, extensions: Record<string, number>): GraphQLError =>
  new GraphQLError(message, { extensions: { code, status: 400, ...extensions, http: { status: 400 } } });

/**
 * Refuses operations nested deeper than `maxDepth` or estimated to cost more than
 * `maxComplexity` (each field 1, connections multiplied by `first`, unpaginated lists by their
 * declared estimate) before anything is read: a 400 with QUERY_TOO_DEEP / QUERY_TOO_COMPLEX.
 */
export function operationLimitsPlugin(maxDepth: number, maxComplexity: number): ApolloServerPlugin {
  // Apollo hands the same parsed document to every request with the same text (its document
  // store), so both measures are computed once per document, operation and variables.
  const measured = new WeakMap<DocumentNode, Set<string>>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operationName }) {
          let byRequest = measured.get(document);
          const key = `${operationName ?? ''}\n${request.variables ? JSON.stringify(request.variables) : ''}`;
          // Only operations within the limits are remembered; refusals are measured every time.
          if (byRequest?.has(key)) return;
          const depth = operationDepth(document, operationName);
          if (depth > maxDepth) {
            throw tooMuch(
              `The operation is nested ${depth} levels deep; at most ${maxDepth} are allowed.`,
              QUERY_TOO_DEEP,
              {
                depth,
                max_depth: maxDepth,
              },
            );
          }
          let complexity: number;
          try {
            complexity = getComplexity({
              schema,
              query: document,
              operationName: operationName ?? undefined,
              variables: request.variables ?? {},
              estimators: [
                fieldExtensionsEstimator(),
                connectionEstimator,
                simpleEstimator({ defaultComplexity: 1 }),
              ],
            });
          } catch (error) {
            // Variables that do not fit their types: the caller's mistake, reported as execution would.
            throw new GraphQLError(
              error instanceof GraphQLError ? error.message : 'The variables are not valid.',
              {
                extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
              },
            );
          }
          if (complexity > maxComplexity) {
            throw tooMuch(
              `The operation's estimated cost is ${complexity}; at most ${maxComplexity} is allowed. ` +
                'Ask for fewer items (first) or fewer nested fields.',
              QUERY_TOO_COMPLEX,
              { complexity, max_complexity: maxComplexity },
            );
          }
          if (!byRequest) {
            byRequest = new Set();
            measured.set(document, byRequest);
          }
          // Bounded: variables vary freely (ids, segments).
          if (byRequest.size >= 256) byRequest.clear();
          byRequest.add(key);
        },
      };
    },
  };
}
