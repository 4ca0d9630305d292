import { C360Error, ERROR_MAPPING, ErrorCode } from './errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://c360.dev/problems/';

/** RFC 9457 problem details. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  [extension: string]: string | number | boolean | null | undefined;
}

export function toProblem(error: C360Error, instance?: string): ProblemDetails {
  const { status, title } = ERROR_MAPPING[error.code];
  return {
    ...error.extensions,
    type: `${PROBLEM_TYPE_BASE}${error.code}`,
    title,
    status,
    detail: error.detail,
    code: error.code,
    ...(instance ? { instance } : {}),
  };
}

/** Maps a framework HTTP status (routing, body parsing, limits) onto a domain error. */
export function errorForStatus(status: number, message: string): C360Error {
  switch (status) {
    case 400:
      return new C360Error(ErrorCode.InvalidBody, message);
    case 401:
      return new C360Error(ErrorCode.Unauthenticated, message);
    case 403:
      return new C360Error(ErrorCode.Forbidden, message);
    case 404:
      return new C360Error(ErrorCode.NotFound, message);
    case 413:
      return new C360Error(ErrorCode.PayloadTooLarge, message);
    case 415:
      return new C360Error(ErrorCode.UnsupportedMediaType, message);
    case 429:
      return new C360Error(ErrorCode.RateLimited, message);
    default:
      return new C360Error(ErrorCode.Internal, 'The request could not be completed.');
  }
}
