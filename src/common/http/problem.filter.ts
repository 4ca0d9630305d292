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

/**
 * The one place errors become responses: RFC 9457 problem+json for REST, a GraphQL error with the
 * same code for GraphQL resolvers; never a stack trace, SQL or PII. Domain errors keep their
 * detail; framework errors get a fixed one; anything else is logged (summary only) and answered
 * as a generic 500.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): GraphQLError | void {
    if (host.getType<string>() === 'graphql') {
      // Resolver arguments are (root, args, context, info); the context holds the request.
      const request = host.getArgByIndex<{ req?: FastifyRequest } | undefined>(2)?.req ?? null;
      return toGraphQLError(this.toDomainError(exception, request));
    }
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const error = this.toDomainError(exception, request);
    const problem = toProblem(error, `urn:c360:request:${request.id}`);
    if (error.code === ErrorCode.Unauthenticated) reply.header('WWW-Authenticate', 'Bearer realm="c360"');
    if (error.code === ErrorCode.RateLimited && typeof error.extensions.retry_after === 'number') {
      reply.header('Retry-After', String(error.extensions.retry_after));
    }
    void reply
      .status(problem.status)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify({ ...problem, request_id: request.id }));
  }

  private toDomainError(exception: unknown, request: FastifyRequest | null): C360Error {
    if (exception instanceof C360Error) {
      if (exception.code === ErrorCode.Internal) this.logUnexpected(exception, request);
      return exception;
    }
    const status = statusOf(exception);
    if (status !== null) {
      return errorForStatus(status, FRAMEWORK_DETAILS[status] ?? 'The request could not be completed.');
    }
    this.logUnexpected(exception, request);
    return new C360Error(ErrorCode.Internal, 'The request could not be completed.');
  }

  private logUnexpected(exception: unknown, request: FastifyRequest | null): void {
    rootLogger().error(
      {
        request_id: request?.id ?? null,
        route: request?.routeOptions?.url ?? null,
        err: exception instanceof Error ? `${exception.name}: ${safeMessage(exception)}` : typeof exception,
      },
      'unhandled error',
    );
  }
}
