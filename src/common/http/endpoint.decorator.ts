import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation } from '@nestjs/swagger';
import { Public, RequirePermission } from '../../auth/auth.decorators';
import { Permission, RouteKind } from '../../auth/policy';
import { PiiResponse } from '../../masking/pii-response.decorator';
import { ApiProblemResponses } from './problem.dto';

export const BEARER_SCHEME = 'bearer';

export interface EndpointOptions {
  summary: string;
  operationId: string;
  /** The permission the caller's roles must grant, or `public` for routes without a token. */
  access: Permission | 'public';
  /** The handler returns customer PII, masked per caller (see @PiiResponse). */
  pii?: RouteKind;
  /** Error statuses besides 401/403 (added for every authenticated route). */
  problems?: number[];
  description?: string;
}

/** One decorator per handler: OpenAPI operation, access rule, masking and error responses. */
export function Endpoint(options: EndpointOptions): MethodDecorator {
  const decorators: Array<MethodDecorator | ClassDecorator> = [
    ApiOperation({
      summary: options.summary,
      operationId: options.operationId,
      description: options.description,
    }),
  ];
  if (options.access === 'public') {
    decorators.push(Public(), ApiProblemResponses(...(options.problems ?? [])));
  } else {
    decorators.push(
      RequirePermission(options.access),
      ApiBearerAuth(BEARER_SCHEME),
      ApiProblemResponses(401, 403, ...(options.problems ?? [])),
    );
  }
  if (options.pii) decorators.push(PiiResponse(options.pii));
  return applyDecorators(...decorators);
}
