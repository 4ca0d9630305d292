import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { Public, RequirePermission } from '../../auth/auth.decorators';
import { Permission, RouteKind } from '../../auth/policy';
import { PiiShape } from '../../masking/masking.service';
import { PiiResponse } from '../../masking/pii-response.decorator';
import { SnapshotRead } from '../../serving/snapshot-read.decorator';
import { ApiProblemResponses } from './problem.dto';

export const BEARER_SCHEME = 'bearer';

export interface EndpointOptions {
  summary: string;
  operationId: string;
  /** The permission the caller's roles must grant, or `public` for routes without a token. */
  access: Permission | 'public';
  /** The handler returns customer PII, masked per caller (see @PiiResponse). */
  pii?: RouteKind;
  /** Where the PII records are (default: the body for `single`, `data` items for `list`). */
  piiShape?: PiiShape;
  /** A GET that reads the gold snapshot only: cached per snapshot, ETag / If-None-Match → 304. */
  snapshot?: boolean;
  /** Error statuses besides 401/403 (added for every authenticated route). */
  problems?: number[];
  description?: string;
}

/** Response headers of every snapshot read, for the OpenAPI document. */
export const SNAPSHOT_RESPONSE_HEADERS = {
  'X-C360-Snapshot': { description: 'Id of the gold snapshot served', schema: { type: 'string' } },
  ETag: {
    description: 'Validator of this answer; send it back in If-None-Match',
    schema: { type: 'string' },
  },
};

/** One decorator per handler: OpenAPI operation, access rule, masking, caching and error
 *  responses. */
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
      ApiProblemResponses(401, 403, ...(options.problems ?? []), ...(options.snapshot ? [429] : [])),
    );
  }
  if (options.pii) decorators.push(PiiResponse(options.pii, options.piiShape));
  if (options.snapshot) {
    decorators.push(
      SnapshotRead(),
      ApiHeader({
        name: 'If-None-Match',
        required: false,
        description: 'ETag of an earlier answer: 304 when it is still the same',
      }),
      ApiResponse({ status: 304, description: 'Not modified (the ETag matched If-None-Match)' }),
    );
  }
  return applyDecorators(...decorators);
}
