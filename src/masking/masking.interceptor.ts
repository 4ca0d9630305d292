import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';
import { RouteKind } from '../auth/policy';
import { SnapshotResult } from '../serving/snapshot-result';
import { PII_RESPONSE_KEY } from './pii-response.decorator';
import { MaskingService } from './masking.service';

/** Global: masks the response of every handler marked @PiiResponse. */
@Injectable()
export class MaskingInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly masking: MaskingService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const kind = this.reflector.get<RouteKind | undefined>(PII_RESPONSE_KEY, context.getHandler());
    if (!kind) return next.handle();
    const principal = context.switchToHttp().getRequest<FastifyRequest>().principal ?? null;
    return next
      .handle()
      .pipe(
        map((result: unknown) =>
          SnapshotResult.mapBody(result, (body) => this.masking.maskResponse(body, principal, kind)),
        ),
      );
  }
}
