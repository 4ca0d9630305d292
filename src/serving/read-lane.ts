import { Injectable, ValidationPipe } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyInstance } from 'fastify';
import { parse as parseQuery } from 'fast-querystring';
import { Counter } from 'prom-client';
import { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { AuditRecorder, PendingAudit } from '../audit/audit-recorder';
import { API_OPERATION_KEY } from '../audit/audit.interceptor';
import { IS_PUBLIC_KEY, PERMISSION_KEY } from '../auth/auth.decorators';
import { assertPermitted } from '../auth/auth.guard';
import { Authenticator } from '../auth/authenticator';
import { Permission } from '../auth/policy';
import { Principal } from '../auth/principal';
import { C360Error, ErrorCode } from '../common/errors';
import { ifNoneMatchMatches } from '../common/http/conditional-get';
import { problemResponse } from '../common/http/problem.filter';
import { REQUEST_ID_HEADER, requestIdOf } from '../common/http/request-hooks';
import { securityHeaders } from '../common/http/security-headers';
import { createValidationPipe } from '../common/http/validation.pipe';
import { logAccess } from '../common/logger';
import { PROBLEM_CONTENT_TYPE } from '../common/problem';
import { IDENTIFIER } from '../common/validation/validators';
import { C360Config } from '../config/config';
import { DrainService } from '../lifecycle/drain.service';
import { METRICS_PREFIX, MetricsService } from '../observability/metrics.service';
import { readCaller } from './read-caller';
import { CachedResponse } from './response-cache';
import { responsePlanOf } from './snapshot-response.interceptor';
import { JSON_CONTENT_TYPE, ResponsePlan, SnapshotResponder, snapshotHeaders } from './snapshot-responder';

/** What a lane route's handler gets of the request. */
export interface LaneRequest {
  params: Record<string, string>;
  query: Record<string, string | string[]>;
}

/** A hot GET route the lane answers: the Nest handler registered at `url`, called with arguments
 *  validated by the same DTOs and pipe rules as Nest would. */
export interface LaneRouteDefinition {
  /** The route pattern Nest registered, e.g. `/v1/customers/:id`. */
  url: string;
  /** The controller and its handler method: their @Endpoint metadata decides permission,
   *  masking, caching and auditing, exactly as for a request Nest routes. */
  controller: object;
  handler: object;
  /** Calls the handler; `lane.query` / `lane.identifierParams` validate its arguments. */
  invoke(request: LaneRequest, principal: Principal): Promise<unknown>;
}

interface LaneRoute {
  definition: LaneRouteDefinition;
  /** Matches the path; path parameters are the groups, in `names` order. */
  pattern: RegExp;
  names: string[];
  permission: Permission | undefined;
  plan: ResponsePlan;
  action: string;
}

/** The characters of IDENTIFIER: a path segment with anything else (percent-encoding
 *  included) is left to the router, which answers it as for any route. */
const SEGMENT = '([A-Za-z0-9_.:@+=-]{1,64})';

/**
 * The read lane: the hottest snapshot reads (support tools looking up one customer, dashboards
 * paging a segment) are answered straight from the HTTP server's request event, before Fastify's
 * and Nest's routing, whose per-request cost (request and reply objects, hook chains, a guard and
 * interceptors each with an async-resource bind and an rxjs pipeline) is several times the read
 * itself now that point and keyset reads come from the serving store in microseconds.
 *
 * It is a shorter path through the same pieces, not a second implementation: the Authenticator
 * (token and rate limit), assertPermitted, the route's own @Endpoint metadata, the validation
 * pipe's rules and DTOs, the controller method and its service, SnapshotResponder (response cache,
 * masking, serialisation, ETag, snapshot headers), the conditional-GET match, securityHeaders,
 * problemResponse, AuditRecorder, the access log and the request metrics. It takes only plain
 * requests: GET, a path of identifier characters, no Origin header (CORS stays with its hook),
 * not while draining; everything else goes to Fastify as before. `C360_READ_LANE=false` turns it
 * off, and a test compares the two paths answer for answer.
 */
@Injectable()
export class ReadLane {
  private readonly routes: LaneRoute[] = [];
  private readonly pipe: ValidationPipe = createValidationPipe();
  private readonly athena: boolean;
  private readonly security: Array<[string, string]>;
  readonly enabled: boolean;
  /** Requests the lane answered (read by /metrics when scraped). */
  private answered = 0;

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly responder: SnapshotResponder,
    private readonly audit: AuditRecorder,
    private readonly drain: DrainService,
    private readonly metrics: MetricsService,
    config: C360Config,
  ) {
    this.enabled = config.get('readLane');
    this.athena = config.get('engine') === 'athena';
    this.security = securityHeaders({ hstsMaxAge: config.get('hstsMaxAge') }, false);
    const read = (): number => this.answered;
    new Counter({
      name: `${METRICS_PREFIX}read_lane_requests_total`,
      help: 'Requests answered by the read lane (the rest of the traffic is routed by Fastify and Nest)',
      registers: [metrics.registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }

  add(definition: LaneRouteDefinition): void {
    const handler = definition.handler as () => unknown;
    const targets = [handler, definition.controller.constructor];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) {
      throw new Error(`read lane: ${definition.url} is public; the lane serves authenticated reads only`);
    }
    const plan = responsePlanOf(this.reflector, handler);
    if (!plan.snapshotRead) throw new Error(`read lane: ${definition.url} is not a snapshot read`);
    const names: string[] = [];
    const source = definition.url.replace(/:([A-Za-z_]+)/g, (_match, name: string) => {
      names.push(name);
      return SEGMENT;
    });
    const operation = this.reflector.get<{ operationId?: string } | undefined>(API_OPERATION_KEY, handler);
    this.routes.push({
      definition,
      pattern: new RegExp(`^${source}$`),
      names,
      permission: this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_KEY, targets),
      plan,
      action: operation?.operationId ?? handler.name,
    });
  }

  /** A query string validated like Nest's `@Query()` with the global pipe. */
  query<T>(metatype: new () => T, value: unknown): Promise<T> {
    return this.pipe.transform(value, { type: 'query', metatype }) as Promise<T>;
  }

  /**
   * Path parameters of a DTO whose only rule is ValidateIdentifier on each field: the lane routes
   * only paths whose parameters are made of IDENTIFIER's characters, so what remains to check is
   * IDENTIFIER itself (a first character that is a letter or digit) — without a class-validator
   * run, which costs more than the whole serving-store read. Anything else goes through the pipe
   * for exactly its 400. A test checks that the pipe accepts what IDENTIFIER accepts.
   */
  identifierParams<T extends object>(metatype: new () => T, value: Record<string, string>): Promise<T> {
    for (const field of Object.values(value)) {
      if (!IDENTIFIER.test(field))
        return this.pipe.transform(value, { type: 'param', metatype }) as Promise<T>;
    }
    return Promise.resolve(Object.assign(new metatype(), value));
  }

  /** Puts the lane in front of the server's request handler (Fastify's). */
  install(server: Server): void {
    if (!this.enabled) return;
    const listeners = server.listeners('request') as Array<
      (req: IncomingMessage, res: ServerResponse) => void
    >;
    if (listeners.length !== 1) throw new Error('read lane: expected one request handler on the server');
    const [next] = listeners;
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const match = this.match(req);
      if (match === null) next(req, res);
      else void this.answer(match.route, match.request, req, res);
    });
  }

  /** Fails start-up when a lane route is not one Nest registered (a renamed path would otherwise
   *  leave the lane answering a route that no longer exists). */
  verify(fastify: FastifyInstance): void {
    if (!this.enabled) return;
    for (const { definition } of this.routes) {
      if (!fastify.hasRoute({ method: 'GET', url: definition.url })) {
        throw new Error(`read lane: no GET route ${definition.url}`);
      }
    }
  }

  private match(req: IncomingMessage): { route: LaneRoute; request: LaneRequest } | null {
    const url = req.url;
    if (req.method !== 'GET' || url === undefined || !url.startsWith('/v1/')) return null;
    if (req.headers.origin !== undefined || this.drain.isDraining) return null;
    const mark = url.indexOf('?');
    const path = mark === -1 ? url : url.slice(0, mark);
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (found === null) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < route.names.length; i++) params[route.names[i]] = found[i + 1];
      const query = mark === -1 ? {} : (parseQuery(url.slice(mark + 1)) as Record<string, string | string[]>);
      return { route, request: { params, query } };
    }
    return null;
  }

  private async answer(
    route: LaneRoute,
    request: LaneRequest,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const started = performance.now();
    this.answered++;
    const requestId = requestIdOf(req);
    let principal: Principal | undefined;
    let audit: PendingAudit | null = null;
    let status: number;
    try {
      principal = await this.authenticator.authenticate(req.headers.authorization);
      assertPermitted(principal, route.permission);
      audit = this.audit.restEntry({
        principal,
        permission: route.permission,
        pii: route.plan.pii,
        action: route.action,
        route: route.definition.url,
        params: request.params,
        query: request.query,
        requestId,
      });
      const key = this.responder.cacheKey(route.plan, 'GET', req.url ?? '', principal);
      let entry = this.responder.cached(key);
      if (entry === undefined) {
        const handled = await this.invoke(route, request, principal);
        // Every lane route returns a SnapshotResult (add() takes snapshot reads only).
        entry = this.responder.prepare(route.plan, handled, principal, key).entry ?? undefined;
        if (entry === undefined)
          throw new C360Error(ErrorCode.Internal, 'The response could not be prepared.');
      }
      if (audit) this.audit.succeeded(audit, entry.body, 200);
      status = this.sendEntry(req, res, requestId, entry);
    } catch (error) {
      if (audit) this.audit.failed(audit, error);
      status = this.sendProblem(res, requestId, route, error);
    }
    const seconds = (performance.now() - started) / 1000;
    this.metrics.observeRequest('GET', route.definition.url, status, seconds);
    logAccess({
      request_id: requestId,
      method: 'GET',
      route: route.definition.url,
      status,
      duration_ms: Math.round(seconds * 10_000) / 10,
      sub: principal?.sub ?? null,
    });
  }

  private invoke(route: LaneRoute, request: LaneRequest, principal: Principal): Promise<unknown> {
    if (!this.athena) return route.definition.invoke(request, principal);
    // Athena masks and scopes inside its SQL and reads the caller from here (AthenaCallerInterceptor
    // on the Nest path).
    return readCaller.run({ principal, kind: route.plan.pii?.kind ?? 'list' }, () =>
      route.definition.invoke(request, principal),
    );
  }

  /** A snapshot answer, or 304 when If-None-Match names its ETag (as the conditional-GET hook). */
  private sendEntry(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    entry: CachedResponse,
  ): number {
    const ifNoneMatch = req.headers['if-none-match'];
    const notModified = typeof ifNoneMatch === 'string' && ifNoneMatchMatches(ifNoneMatch, entry.etag);
    // Flat name/value list in the order the Fastify hooks produce them.
    const headers: string[] = [REQUEST_ID_HEADER, requestId];
    for (const [name, value] of snapshotHeaders(entry)) headers.push(name, value);
    if (!notModified) headers.push('content-type', JSON_CONTENT_TYPE);
    for (const [name, value] of this.security) headers.push(name, value);
    if (notModified) {
      // Fastify sends the emptied payload's length.
      headers.push('content-length', '0');
      this.write(res, 304, headers, '');
      return 304;
    }
    headers.push('content-length', String(Buffer.byteLength(entry.body)));
    this.write(res, 200, headers, entry.body);
    return 200;
  }

  private sendProblem(res: ServerResponse, requestId: string, route: LaneRoute, error: unknown): number {
    const problem = problemResponse(error, requestId, route.definition.url);
    const headers: string[] = [REQUEST_ID_HEADER, requestId];
    for (const [name, value] of problem.headers) headers.push(name, value);
    // Fastify adds the charset to a string payload's type.
    headers.push('content-type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
    for (const [name, value] of this.security) headers.push(name, value);
    // As the security hook does for answers that choose no caching.
    headers.push('cache-control', 'no-store', 'content-length', String(Buffer.byteLength(problem.body)));
    this.write(res, problem.status, headers, problem.body);
    return problem.status;
  }

  private write(res: ServerResponse, status: number, headers: string[], body: string): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, headers);
    res.end(body);
  }
}
