import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { toGraphQLError } from '../../graphql/graphql-errors';
import { C360Error, ErrorCode } from '../errors';
import { rootLogger } from '../logger';
import { errorForStatus, PROBLEM_CONTENT_TYPE, toProblem } from '../problem';
import { safeMessage } from '../safe-message';

/** Fixed details for framework errors: their own messages can echo the URL or the body. */
const FRAMEWORK_DETAILS: Record<number, string> = {
  400: 'The request body could not be parsed as JSON.',
  401: 'A bearer token is required.',
  403: 'This route is not allowed for the caller.',
  404: 'No route matches this method and path.',
  405: 'This method is not allowed here.',
  413: 'The request body exceeds the size limit.',
  415: 'Unsupported content type; send application/json.',
  429: 'Too many requests.',
};

function statusOf(error: unknown): number | null {
  if (error instanceof HttpException) return error.getStatus();
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : null;
}

/** An error as an HTTP answer: status, extra headers and the problem+json body. */
export interface ProblemResponse {
  status: number;
  /** Besides content-type: WWW-Authenticate on a 401, Retry-After on a 429. */
  headers: Array<[string, string]>;
  body: string;
}

/**
 * The one place errors become REST responses: RFC 9457 problem+json, never a stack trace, SQL or
 * PII. Domain errors keep their detail; framework errors get a fixed one; anything else is logged
 * (summary only) and answered as a generic 500. Sent by the ProblemFilter (sendProblem) and by
 * the read lane.
 */
export function problemResponse(
  exception: unknown,
  requestId: string,
  route: string | null,
): ProblemResponse {
  const error = toDomainError(exception, { id: requestId, route });
  const problem = toProblem(error, `urn:c360:request:${requestId}`);
  const headers: Array<[string, string]> = [];
  if (error.code === ErrorCode.Unauthenticated) headers.push(['WWW-Authenticate', 'Bearer realm="c360"']);
  if (error.code === ErrorCode.RateLimited && typeof error.extensions.retry_after === 'number') {
    headers.push(['Retry-After', String(error.extensions.retry_after)]);
  }
  return { status: problem.status, headers, body: JSON.stringify({ ...problem, request_id: requestId }) };
}

/** problemResponse sent through Fastify. */
export function sendProblem(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const problem = problemResponse(exception, String(request.id), request.routeOptions?.url ?? null);
  for (const [name, value] of problem.headers) reply.header(name, value);
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem.body);
}

/** Which request an unexpected error belongs to (for its log line). */
interface RequestRef {
  id: string;
  route: string | null;
}

function toDomainError(exception: unknown, request: RequestRef | null): C360Error {
  if (exception instanceof C360Error) {
    if (exception.code === ErrorCode.Internal) logUnexpected(exception, request);
    return exception;
  }
  const status = statusOf(exception);
  if (status !== null) {
    return errorForStatus(status, FRAMEWORK_DETAILS[status] ?? 'The request could not be completed.');
  }
  logUnexpected(exception, request);
  return new C360Error(ErrorCode.Internal, 'The request could not be completed.');
}

function logUnexpected(exception: unknown, request: RequestRef | null): void {
  rootLogger().error(
    {
      request_id: request?.id ?? null,
      route: request?.route ?? null,
      err: exception instanceof Error ? `${exception.name}: ${safeMessage(exception)}` : typeof exception,
    },
    'unhandled error',
  );
}

/** Errors of REST handlers (sendProblem) and GraphQL resolvers (a GraphQL error with the same
 *  code) routed through Nest. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): GraphQLError | void {
    if (host.getType<string>() === 'graphql') {
      // Resolver arguments are (root, args, context, info); the context holds the request.
      const request = host.getArgByIndex<{ req?: FastifyRequest } | undefined>(2)?.req ?? null;
      return toGraphQLError(
        toDomainError(
          exception,
          request ? { id: String(request.id), route: request.routeOptions?.url ?? null } : null,
        ),
      );
    }
    const http = host.switchToHttp();
    sendProblem(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}
