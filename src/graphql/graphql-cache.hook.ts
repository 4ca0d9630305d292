import { Injectable } from '@nestjs/common';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Authenticator } from '../auth/authenticator';
import { Principal } from '../auth/principal';
import { C360Config } from '../config/config';
import { MaskingService } from '../masking/masking.service';
import { ResponseCache } from '../serving/response-cache';
import { SNAPSHOT_HEADER } from '../serving/snapshot-result';
import { JSON_CONTENT_TYPE } from '../serving/snapshot-responder';
import { GRAPHQL_PATH } from './graphql.constants';
import { GraphqlAsk, graphqlCacheConsulted, graphqlCacheKey } from './response-cache.plugin';

/** A JSON POST body that names an operation the plain way (no persisted-query extensions). */
function askOf(body: unknown): GraphqlAsk | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { query, operationName, variables, extensions } = body as Record<string, unknown>;
  if (typeof query !== 'string' || extensions !== undefined) return null;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
  if (
    variables !== undefined &&
    variables !== null &&
    (typeof variables !== 'object' || Array.isArray(variables))
  )
    return null;
  return { query, operationName, variables: variables as Record<string, unknown> | null | undefined };
}

/**
 * GraphQL answers from the response cache before Apollo: a dashboard asking the same query again
 * costs Apollo's whole request pipeline (≈ 4× a REST read) even when the answer is cached. This
 * hook, after Fastify has parsed the body, authenticates the caller with the same Authenticator
 * (the GraphQL context then reuses that principal: one rate-limit charge per request), computes
 * the key the response-cache plugin stores under, and sends a cached answer as Apollo would (same
 * body bytes, `X-C360-Snapshot`, `Cache-Control: no-store`); the Fastify hooks add the rest as for
 * any answer. Anything else — a miss, a caller who sees PII in clear (never cached: audited), a
 * failed authentication, a body it does not recognise — continues to Apollo unchanged.
 */
@Injectable()
export class GraphqlCacheHook {
  private readonly enabled: boolean;

  constructor(
    private readonly authenticator: Authenticator,
    private readonly cache: ResponseCache,
    private readonly masking: MaskingService,
    config: C360Config,
  ) {
    this.enabled = config.get('readLane') && cache.enabled;
  }

  install(fastify: FastifyInstance): void {
    if (!this.enabled) return;
    fastify.addHook('preHandler', (request, reply, done) => {
      if (request.method !== 'POST' || request.routeOptions.url !== GRAPHQL_PATH) {
        done();
        return;
      }
      const ask = askOf(request.body);
      if (ask === null) {
        done();
        return;
      }
      void this.answer(request, reply, ask).then((sent) => {
        if (!sent) done();
      }, done);
    });
  }

  /** True when the answer was sent from the cache. */
  private async answer(request: FastifyRequest, reply: FastifyReply, ask: GraphqlAsk): Promise<boolean> {
    let principal: Principal;
    try {
      principal = await this.authenticator.authenticate(request.headers.authorization);
    } catch {
      // Apollo's context answers the failure as a GraphQL error, as for every request.
      return false;
    }
    request.principal = principal;
    const key = graphqlCacheKey(this.cache, this.masking, principal, ask);
    if (key === null) return false;
    const entry = this.cache.get(key);
    if (!entry?.value) {
      graphqlCacheConsulted.add(request);
      return false;
    }
    void reply
      .header('cache-control', 'no-store')
      .header(SNAPSHOT_HEADER.toLowerCase(), entry.snapshotId)
      .type(JSON_CONTENT_TYPE)
      .send(entry.body);
    return true;
  }
}
