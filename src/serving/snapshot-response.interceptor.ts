import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { map, Observable, of } from 'rxjs';
import { PII_RESPONSE_KEY, PiiResponseMetadata } from '../masking/pii-response.decorator';
import { SNAPSHOT_READ_KEY } from './snapshot-read.decorator';
import { ResponsePlan, SnapshotResponder } from './snapshot-responder';

/** The response plan of a handler, from its @Endpoint metadata. */
export function responsePlanOf(reflector: Reflector, handler: object): ResponsePlan {
  const target = handler as () => unknown;
  return {
    snapshotRead: reflector.get<boolean | undefined>(SNAPSHOT_READ_KEY, target) === true,
    pii: reflector.get<PiiResponseMetadata | undefined>(PII_RESPONSE_KEY, target),
  };
}

/**
 * Global, the response side of every REST read routed through Nest (SnapshotResponder): masks the
 * result of handlers marked @PiiResponse, sends a SnapshotResult as JSON with `X-C360-Snapshot`
 * and an ETag, and answers @SnapshotRead() GETs from the response cache when it can (after the
 * guard, so the caller's roles and scope pick the entry; before validation and the handler).
 * Masking and sending are one interceptor: each Nest interceptor layer costs an async-resource
 * bind and an rxjs pipeline per request.
 */
@Injectable()
export class SnapshotResponseInterceptor implements NestInterceptor {
  private readonly plans = new WeakMap<object, ResponsePlan>();

  constructor(
    private readonly reflector: Reflector,
    private readonly responder: SnapshotResponder,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const plan = this.planOf(context.getHandler());
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const principal = request.principal;
    const key = this.responder.cacheKey(plan, request.method, request.url, principal);
    const hit = this.responder.cached(key);
    if (hit) return of(this.responder.headersFor(reply, hit));
    return next.handle().pipe(
      map((handled: unknown) => {
        const prepared = this.responder.prepare(plan, handled, principal, key);
        return prepared.entry ? this.responder.headersFor(reply, prepared.entry) : prepared.value;
      }),
    );
  }

  private planOf(handler: object): ResponsePlan {
    let plan = this.plans.get(handler);
    if (!plan) {
      plan = responsePlanOf(this.reflector, handler);
      this.plans.set(handler, plan);
    }
    return plan;
  }
}
