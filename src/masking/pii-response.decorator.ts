import { SetMetadata } from '@nestjs/common';
import { RouteKind } from '../auth/policy';

export const PII_RESPONSE_KEY = 'c360:pii-response';

/** The handler returns customer PII: masked per caller by MaskingInterceptor. `single` masks the
 *  body, `list` each item of `data`. */
export const PiiResponse = (kind: RouteKind): MethodDecorator => SetMetadata(PII_RESPONSE_KEY, kind);
