import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { unknownParameter } from './validation.pipe';

/** Refuses any query parameter (400 naming the first), as a query DTO refuses the parameters it
 *  does not declare. */
export function assertNoQuery(query: unknown): void {
  const first = query && typeof query === 'object' ? Object.keys(query)[0] : undefined;
  if (first !== undefined) throw unknownParameter(first);
}

/** For routes without query parameters (see assertNoQuery). */
export const NoQuery = createParamDecorator((_data: unknown, context: ExecutionContext): void =>
  assertNoQuery(context.switchToHttp().getRequest<FastifyRequest>().query),
);
