import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { map, Observable, of } from 'rxjs';
import { MaskingService } from '../masking/masking.service';
import { PII_RESPONSE_KEY, PiiResponseMetadata } from '../masking/pii-response.decorator';
import { CachedResponse, ResponseCache, serialise } from './response-cache';
import { SNAPSHOT_READ_KEY } from './snapshot-read.decorator';
import { SNAPSHOT_HEADER, SnapshotResult } from './snapshot-result';

const JSON_TYPE = 'application/json; charset=utf-8';

/** What the interceptor does for one handler, read from its metadata once. */
interface HandlerPlan {
  /** @SnapshotRead(): cacheable per snapshot. */
  snapshotRead: boolean;
  /** @PiiResponse(): masked per caller. */
  pii: PiiResponseMetadata | undefined;
}

/**
 * Global, the response side of every REST read: masks the result of handlers marked @PiiResponse
 * (MaskingService, per caller), sends a SnapshotResult as JSON with `X-C360-Snapshot` and an ETag,
 * and answers @SnapshotRead() GETs from the response cache when it can (after the guard, so the
 * caller's roles and scope pick the entry; before validation and the handler). The
 * conditional-GET hook turns a matching If-None-Match into a 304. Masking and sending are one
 * interceptor: each Nest interceptor layer costs an async-resource bind and an rxjs pipeline per
 * request.
 */
@Injectable()
export class SnapshotResponseInterceptor implements NestInterceptor {
  private readonly plans = new WeakMap<object, HandlerPlan>();

  constructor(
    private readonly reflector: Reflector,
    private readonly cache: ResponseCache,
    private readonly masking: MaskingService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const plan = this.planOf(context.getHandler());
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const principal = request.principal;
    const cacheable =
      this.cache.enabled && request.method === 'GET' && principal !== undefined && plan.snapshotRead;
    const key = cacheable && principal ? this.cache.keyOf(principal, request.url) : null;
    if (key !== null) {
      const hit = this.cache.get(key);
      if (hit) return of(this.send(reply, hit));
    }
    const pii = plan.pii;
    return next.handle().pipe(
      map((handled: unknown) => {
        const result = pii
          ? SnapshotResult.mapBody(handled, (body) =>
              this.masking.maskResponse(body, principal ?? null, pii.kind, pii.shape),
            )
          : handled;
        if (!(result instanceof SnapshotResult)) return result;
        const entry = serialise(result.snapshotId, result.body);
        if (key !== null) this.cache.set(key, entry);
        return this.send(reply, entry);
      }),
    );
  }

  private planOf(handler: object): HandlerPlan {
    let plan = this.plans.get(handler);
    if (!plan) {
      const target = handler as () => unknown;
      plan = {
        snapshotRead: this.reflector.get<boolean | undefined>(SNAPSHOT_READ_KEY, target) === true,
        pii: this.reflector.get<PiiResponseMetadata | undefined>(PII_RESPONSE_KEY, target),
      };
      this.plans.set(handler, plan);
    }
    return plan;
  }

  private send(reply: FastifyReply, entry: CachedResponse): string {
    void reply
      .header(SNAPSHOT_HEADER, entry.snapshotId)
      .header('etag', entry.etag)
      // Per caller (masking and scope depend on the token) and revalidated on every use.
      .header('cache-control', 'private, no-cache')
      .header('vary', 'authorization')
      .type(JSON_TYPE);
    return entry.body;
  }
}
