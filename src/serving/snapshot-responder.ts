import { Injectable } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { Principal } from '../auth/principal';
import { MaskingService } from '../masking/masking.service';
import { PiiResponseMetadata } from '../masking/pii-response.decorator';
import { CachedResponse, ResponseCache, serialise } from './response-cache';
import { SNAPSHOT_HEADER, SnapshotResult } from './snapshot-result';

/** As Fastify sends header names (lower case), so both paths send the same bytes. */
const SNAPSHOT_HEADER_NAME = SNAPSHOT_HEADER.toLowerCase();

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** The headers of a snapshot answer besides its content type. */
export function snapshotHeaders(entry: CachedResponse): Array<[string, string]> {
  return [
    [SNAPSHOT_HEADER_NAME, entry.snapshotId],
    ['etag', entry.etag],
    // Per caller (masking and scope depend on the token) and revalidated on every use.
    ['cache-control', 'private, no-cache'],
    ['vary', 'authorization'],
  ];
}

/** A handler's result made ready to send: a serialised snapshot answer, or another value. */
export type Prepared = { entry: CachedResponse; value: undefined } | { entry: null; value: unknown };

/** How a route's result is answered, read from its @Endpoint metadata once. */
export interface ResponsePlan {
  /** @SnapshotRead(): cacheable per snapshot, sent with X-C360-Snapshot and an ETag. */
  snapshotRead: boolean;
  /** @PiiResponse(): masked per caller. */
  pii: PiiResponseMetadata | undefined;
}

/**
 * The response side of every REST read, whichever way the request was routed (the Nest
 * interceptor or the read lane): a cached answer for the caller and URL, masking of PII results
 * (MaskingService), serialisation with its ETag, and the snapshot headers. The conditional-GET
 * hook turns a matching If-None-Match into a 304.
 */
@Injectable()
export class SnapshotResponder {
  constructor(
    private readonly cache: ResponseCache,
    private readonly masking: MaskingService,
  ) {}

  /** The response-cache key of a request, or null when its answer is not cached. */
  cacheKey(plan: ResponsePlan, method: string, url: string, principal: Principal | undefined): string | null {
    if (!this.cache.enabled || method !== 'GET' || principal === undefined || !plan.snapshotRead) return null;
    return this.cache.keyOf(principal, url);
  }

  cached(key: string | null): CachedResponse | undefined {
    return key === null ? undefined : this.cache.get(key);
  }

  /** Masks what a handler returned; a SnapshotResult comes back serialised (and cached under
   *  `key`), anything else masked but as it is. */
  prepare(
    plan: ResponsePlan,
    handled: unknown,
    principal: Principal | undefined,
    key: string | null,
  ): Prepared {
    const pii = plan.pii;
    const result = pii
      ? SnapshotResult.mapBody(handled, (body) =>
          this.masking.maskResponse(body, principal ?? null, pii.kind, pii.shape),
        )
      : handled;
    if (!(result instanceof SnapshotResult)) return { entry: null, value: result };
    const entry = serialise(result.snapshotId, result.body);
    if (key !== null) this.cache.set(key, entry);
    return { entry, value: undefined };
  }

  /** Sets the headers of a serialised snapshot answer and returns the body to send. */
  headersFor(reply: FastifyReply, entry: CachedResponse): string {
    for (const [name, value] of snapshotHeaders(entry)) void reply.header(name, value);
    void reply.type(JSON_CONTENT_TYPE);
    return entry.body;
  }
}
