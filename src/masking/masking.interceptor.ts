import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';
import { SnapshotResult } from '../serving/snapshot-result';
import { PII_RESPONSE_KEY, PiiResponseMetadata } from './pii-response.decorator';
import { MaskingService } from './masking.service';

/** Global: masks the response of every REST handler marked @PiiResponse. GraphQL resolvers mask
 *  through the same MaskingService when they build their objects. */
@Injectable()
export class MaskingInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly masking: MaskingService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const pii = this.reflector.get<PiiResponseMetadata | undefined>(PII_RESPONSE_KEY, context.getHandler());
    if (!pii) return next.handle();
    const principal = context.switchToHttp().getRequest<FastifyRequest>().principal ?? null;
    return next
      .handle()
      .pipe(
        map((result: unknown) =>
          SnapshotResult.mapBody(result, (body) =>
            this.masking.maskResponse(body, principal, pii.kind, pii.shape),
          ),
        ),
      );
  }
}
