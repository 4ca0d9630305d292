/** Domain error codes. Each maps to exactly one HTTP status and title (see ERROR_MAPPING). */
export enum ErrorCode {
  InvalidParameter = 'invalid_parameter',
  InvalidBody = 'invalid_body',
  InvalidCursor = 'invalid_cursor',
  IngestRejected = 'ingest_rejected',
  CursorExpired = 'cursor_expired',
  UnknownSegment = 'unknown_segment',
  Unauthenticated = 'unauthenticated',
  Forbidden = 'forbidden',
  NotFound = 'not_found',
  RunInProgress = 'run_in_progress',
  BuilderDisabled = 'builder_disabled',
  NoSnapshot = 'no_snapshot',
  ShuttingDown = 'shutting_down',
  PayloadTooLarge = 'payload_too_large',
  UnsupportedMediaType = 'unsupported_media_type',
  RateLimited = 'rate_limited',
  QueryFailed = 'query_failed',
  QueryTimeout = 'query_timeout',
  EngineBehind = 'engine_behind',
  Internal = 'internal',
}

export interface ErrorMapping {
  status: number;
  title: string;
}

/** Exhaustive: a new code without a mapping does not compile. */
export const ERROR_MAPPING: { [C in ErrorCode]: ErrorMapping } = {
  [ErrorCode.InvalidParameter]: { status: 400, title: 'Invalid parameter' },
  [ErrorCode.InvalidBody]: { status: 400, title: 'Invalid request body' },
  [ErrorCode.InvalidCursor]: { status: 400, title: 'Invalid cursor' },
  [ErrorCode.IngestRejected]: { status: 400, title: 'Lines rejected' },
  [ErrorCode.CursorExpired]: { status: 410, title: 'Cursor expired' },
  [ErrorCode.UnknownSegment]: { status: 400, title: 'Unknown segment' },
  [ErrorCode.Unauthenticated]: { status: 401, title: 'Unauthenticated' },
  [ErrorCode.Forbidden]: { status: 403, title: 'Forbidden' },
  [ErrorCode.NotFound]: { status: 404, title: 'Not found' },
  [ErrorCode.RunInProgress]: { status: 409, title: 'A run is already in progress' },
  [ErrorCode.BuilderDisabled]: { status: 409, title: 'This process does not run builds' },
  [ErrorCode.NoSnapshot]: { status: 503, title: 'No snapshot published yet' },
  [ErrorCode.ShuttingDown]: { status: 503, title: 'Shutting down' },
  [ErrorCode.PayloadTooLarge]: { status: 413, title: 'Payload too large' },
  [ErrorCode.UnsupportedMediaType]: { status: 415, title: 'Unsupported media type' },
  [ErrorCode.RateLimited]: { status: 429, title: 'Too many requests' },
  [ErrorCode.QueryFailed]: { status: 502, title: 'Query engine error' },
  [ErrorCode.QueryTimeout]: { status: 504, title: 'Query engine timeout' },
  [ErrorCode.EngineBehind]: { status: 503, title: 'Query engine not yet on the served snapshot' },
  [ErrorCode.Internal]: { status: 500, title: 'Internal error' },
};

/**
 * A typed domain error. `detail` is shown to the caller, so it must never contain PII, SQL or
 * secrets; `extensions` are extra problem+json members (e.g. `parameter`, `run_id`).
 */
export class C360Error extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extensions: Record<string, string | number | boolean | null> = {},
  ) {
    super(detail);
    this.name = 'C360Error';
  }

  get status(): number {
    return ERROR_MAPPING[this.code].status;
  }
}

export const invalidParameter = (parameter: string, detail: string): C360Error =>
  new C360Error(ErrorCode.InvalidParameter, detail, { parameter });

export const notFound = (detail: string): C360Error => new C360Error(ErrorCode.NotFound, detail);
