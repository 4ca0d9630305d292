import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { C360Error, ERROR_MAPPING, ErrorCode } from '../common/errors';
import { rootLogger } from '../common/logger';

/** GraphQL `extensions.code` per domain error code. Exhaustive: a new ErrorCode without one does
 *  not compile. The names are the REST `code` upper-cased, so both transports say the same. */
const GRAPHQL_CODES: { [C in ErrorCode]: Uppercase<C> } = {
  [ErrorCode.InvalidParameter]: 'INVALID_PARAMETER',
  [ErrorCode.InvalidBody]: 'INVALID_BODY',
  [ErrorCode.InvalidCursor]: 'INVALID_CURSOR',
  [ErrorCode.IngestRejected]: 'INGEST_REJECTED',
  [ErrorCode.CursorExpired]: 'CURSOR_EXPIRED',
  [ErrorCode.UnknownSegment]: 'UNKNOWN_SEGMENT',
  [ErrorCode.Unauthenticated]: 'UNAUTHENTICATED',
  [ErrorCode.Forbidden]: 'FORBIDDEN',
  [ErrorCode.NotFound]: 'NOT_FOUND',
  [ErrorCode.RunInProgress]: 'RUN_IN_PROGRESS',
  [ErrorCode.BuilderDisabled]: 'BUILDER_DISABLED',
  [ErrorCode.NoSnapshot]: 'NO_SNAPSHOT',
  [ErrorCode.ShuttingDown]: 'SHUTTING_DOWN',
  [ErrorCode.PayloadTooLarge]: 'PAYLOAD_TOO_LARGE',
  [ErrorCode.UnsupportedMediaType]: 'UNSUPPORTED_MEDIA_TYPE',
  [ErrorCode.RateLimited]: 'RATE_LIMITED',
  [ErrorCode.QueryFailed]: 'QUERY_FAILED',
  [ErrorCode.QueryTimeout]: 'QUERY_TIMEOUT',
  [ErrorCode.EngineBehind]: 'ENGINE_BEHIND',
  [ErrorCode.Internal]: 'INTERNAL',
};

/** Codes of request-level GraphQL errors raised outside the domain (operation limits). */
export const QUERY_TOO_DEEP = 'QUERY_TOO_DEEP';
export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

/**
 * A domain error as a GraphQL error: `extensions` carry the code, the HTTP status the same error
 * has on REST and its problem extensions (`parameter`, `retry_after`, …). With `asResponseStatus`
 * (errors before execution: authentication, rate limit) the HTTP response takes that status too.
 */
export function toGraphQLError(error: C360Error, asResponseStatus = false): GraphQLError {
  const { status } = ERROR_MAPPING[error.code];
  const headers = new Map<string, string>();
  if (error.code === ErrorCode.Unauthenticated) headers.set('www-authenticate', 'Bearer realm="c360"');
  if (error.code === ErrorCode.RateLimited && typeof error.extensions.retry_after === 'number') {
    headers.set('retry-after', String(error.extensions.retry_after));
  }
  return new GraphQLError(error.detail, {
    extensions: {
      ...error.extensions,
      code: GRAPHQL_CODES[error.code],
      status,
      ...(asResponseStatus ? { http: { status, headers } } : {}),
    },
  });
}

const SAFE_CODES = new Set<string>([
  ...Object.values(GRAPHQL_CODES),
  QUERY_TOO_DEEP,
  QUERY_TOO_COMPLEX,
  // Apollo's own request errors (syntax, validation, bad variables): safe, and never a 500.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * Apollo `formatError`: known errors pass as they are (without internals); anything else is
 * logged by summary and answered as INTERNAL with a fixed message — never a stack, SQL or PII.
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, _error: unknown): GraphQLFormattedError {
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : null;
  if (code !== null && SAFE_CODES.has(code)) {
    const { stacktrace: _stacktrace, exception: _exception, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  rootLogger().error({ code, path: formatted.path ?? null }, 'unhandled GraphQL error');
  return {
    message: 'The request could not be completed.',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: GRAPHQL_CODES[ErrorCode.Internal], status: 500 },
  };
}
