import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { map, Observable, of } from 'rxjs';
import { CachedResponse, ResponseCache, serialise } from './response-cache';
import { SNAPSHOT_READ_KEY } from './snapshot-read.decorator';
import { SNAPSHOT_HEADER, SnapshotResult } from './snapshot-result';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Global, outermost: sends a SnapshotResult (already masked by MaskingInterceptor) as JSON with
 * `X-C360-Snapshot` and an ETag, and answers @SnapshotRead() GETs from the response cache when it
 * can. The conditional-GET hook turns a matching If-None-Match into a 304.
 */
@Injectable()
export class SnapshotResponseInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly cache: ResponseCache,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const cacheable =
      this.cache.enabled &&
      request.method === 'GET' &&
      request.principal !== undefined &&
      this.reflector.get<boolean | undefined>(SNAPSHOT_READ_KEY, context.getHandler()) === true;
    const key = cacheable && request.principal ? this.cache.keyOf(request.principal, request.url) : null;
    if (key !== null) {
      const hit = this.cache.get(key);
      if (hit) return of(this.send(reply, hit));
    }
    return next.handle().pipe(
      map((result: unknown) => {
        if (!(result instanceof SnapshotResult)) return result;
        const entry = serialise(result.snapshotId, result.body);
        if (key !== null) this.cache.set(key, entry);
        return this.send(reply, entry);
      }),
    );
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
