import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { unknownParameter } from './validation.pipe';

/** For routes without query parameters: any parameter is refused (400 naming it), as a query DTO
 *  refuses the parameters it does not declare. */
export const NoQuery = createParamDecorator((_data: unknown, context: ExecutionContext): void => {
  const query = context.switchToHttp().getRequest<FastifyRequest>().query;
  const first = query && typeof query === 'object' ? Object.keys(query)[0] : undefined;
  if (first !== undefined) throw unknownParameter(first);
});
