import { SetMetadata } from '@nestjs/common';
import { RouteKind } from '../auth/policy';
import { PiiShape } from './masking.service';

export const PII_RESPONSE_KEY = 'c360:pii-response';

export interface PiiResponseMetadata {
  kind: RouteKind;
  shape: PiiShape;
}

/** The handler returns customer PII: masked per caller by the global SnapshotResponseInterceptor (MaskingService) with the strategies
 *  of `kind`. `shape` says where the records are: the body itself, or each item of `data`
 *  (default: the body for `single`, the items for `list`). */
export const PiiResponse = (kind: RouteKind, shape?: PiiShape): MethodDecorator =>
  SetMetadata<string, PiiResponseMetadata>(PII_RESPONSE_KEY, {
    kind,
    shape: shape ?? (kind === 'list' ? 'items' : 'record'),
  });
