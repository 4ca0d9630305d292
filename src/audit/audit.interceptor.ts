import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { getNamedType, GraphQLResolveInfo } from 'graphql';
import { catchError, Observable, tap, throwError } from 'rxjs';
import { PERMISSION_KEY } from '../auth/auth.decorators';
import { Permission, RouteKind } from '../auth/policy';
import { Principal } from '../auth/principal';
import { C360Error } from '../common/errors';
import { rootLogger } from '../common/logger';
import { MaskingService } from '../masking/masking.service';
import { PII_RESPONSE_KEY, PiiResponseMetadata } from '../masking/pii-response.decorator';
import { SnapshotResult } from '../serving/snapshot-result';
import { AuditEntry, AuditKind, AuditTargetType, MAX_AUDIT_TARGETS } from './audit.model';
import { AuditStore } from './audit.store';

/** Where @nestjs/swagger's @ApiOperation keeps its options (operationId names the action); the
 *  package does not export its constants module. */
const API_OPERATION_KEY = 'swagger/apiOperation';

/** GraphQL types whose objects carry customer PII, with their route kind. */
const GRAPHQL_PII_TYPES: Readonly<Record<string, RouteKind>> = {
  Customer: 'single',
  CustomerConnection: 'list',
};

/** Route prefixes → what their `:id` (or the created record) identifies. */
const TARGETS: ReadonlyArray<readonly [string, AuditTargetType]> = [
  ['/v1/customers', 'customer'],
  ['/v1/admin/runs', 'run'],
  ['/v1/admin/backfills', 'run'],
  ['/v1/admin/snapshots', 'snapshot'],
  ['/v1/admin/dq', 'run'],
  ['/v1/admin/lineage', 'run'],
  ['/v1/admin/quarantine', 'source'],
];

/** What an identifier looks like (customer, run, snapshot, source ids); anything else a caller
 *  put in a path (an e-mail, a probe) is not recorded. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

type Pending = Omit<AuditEntry, 'id' | 'at' | 'status'>;

const statusOf = (error: unknown): number =>
  error instanceof C360Error ? error.status : error instanceof HttpException ? error.getStatus() : 500;

/**
 * The one place audit entries are written (SPEC §9): every call of an admin route, and every read
 * whose masking decision shows the caller some PII class in clear, REST (from the route's
 * @Endpoint metadata) and GraphQL root fields alike. Registered outermost, so reads answered from
 * the response cache are audited too. Entries carry identifiers only, never PII or query strings.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly masking: MaskingService,
    private readonly store: AuditStore,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const type = context.getType<string>();
    const pending =
      type === 'http' ? this.restEntry(context) : type === 'graphql' ? this.graphqlEntry(context) : null;
    if (!pending) return next.handle();
    const reply = type === 'http' ? context.switchToHttp().getResponse<FastifyReply>() : null;
    return next.handle().pipe(
      tap((result: unknown) => {
        const ids =
          pending.target_ids.length > 0 || pending.target_type === null
            ? pending.target_ids
            : targetIdsOf(result);
        this.write({ ...pending, target_ids: ids }, reply?.statusCode ?? 200);
      }),
      catchError((error: unknown) => {
        const status = statusOf(error);
        // A refused parameter is whatever the caller sent (possibly PII): not an identifier.
        this.write({ ...pending, target_ids: status === 400 ? [] : pending.target_ids }, status);
        return throwError(() => error);
      }),
    );
  }

  private restEntry(context: ExecutionContext): Pending | null {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = request.principal;
    if (!principal) return null;
    const handler = context.getHandler();
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_KEY, [
      handler,
      context.getClass(),
    ]);
    const pii = this.reflector.get<PiiResponseMetadata | undefined>(PII_RESPONSE_KEY, handler);
    const kind: AuditKind | null =
      permission === 'admin' ? 'admin' : pii && this.seesClear(principal, pii.kind) ? 'pii_read' : null;
    if (!kind) return null;
    const operation = this.reflector.get<{ operationId?: string } | undefined>(API_OPERATION_KEY, handler);
    const route = request.routeOptions?.url ?? '';
    const targetType = TARGETS.find(([prefix]) => route.startsWith(prefix))?.[1] ?? null;
    const params = (request.params ?? {}) as Record<string, unknown>;
    const query = (request.query ?? {}) as Record<string, unknown>;
    // Only validated identifiers (path ids, a run_id filter); never other query values.
    const id = [params.id, params.source, query.run_id].find(
      (v): v is string => typeof v === 'string' && SAFE_ID.test(v),
    );
    return {
      actor: principal.sub,
      roles: [...principal.roles],
      kind,
      action: operation?.operationId ?? handler.name,
      transport: 'rest',
      target_type: targetType,
      target_ids: id !== undefined ? [id] : [],
      request_id: String(request.id),
    };
  }

  private graphqlEntry(context: ExecutionContext): Pending | null {
    const info = context.getArgByIndex<GraphQLResolveInfo | undefined>(3);
    const ctx = context.getArgByIndex<{ principal?: Principal; req?: FastifyRequest } | undefined>(2);
    const principal = ctx?.principal;
    if (!info || !principal || info.parentType.name !== 'Query') return null;
    const routeKind = GRAPHQL_PII_TYPES[getNamedType(info.returnType).name];
    if (routeKind === undefined || !this.seesClear(principal, routeKind)) return null;
    const args = context.getArgByIndex<Record<string, unknown> | undefined>(1) ?? {};
    return {
      actor: principal.sub,
      roles: [...principal.roles],
      kind: 'pii_read',
      action: `graphql.${info.fieldName}`,
      transport: 'graphql',
      target_type: 'customer',
      target_ids: typeof args.id === 'string' && SAFE_ID.test(args.id) ? [args.id] : [],
      request_id: String(ctx?.req?.id ?? ''),
    };
  }

  private seesClear(principal: Principal, kind: RouteKind): boolean {
    return Object.values(this.masking.strategiesFor(principal, kind)).includes('clear');
  }

  private write(pending: Pending, status: number): void {
    const now = Date.now();
    try {
      this.store.append({ id: AuditStore.newId(now), at: new Date(now).toISOString(), ...pending, status });
    } catch (error) {
      // The request already happened; say the audit write failed (no entry content: ids only).
      rootLogger().error(
        { request_id: pending.request_id, action: pending.action, error: (error as Error).name },
        'audit entry could not be written',
      );
    }
  }
}

/** Ids of the records a response holds: `customer_id` of the body, of `data` items or of GraphQL
 *  connection nodes, else `id` / `snapshot_id` of a run or snapshot. */
function targetIdsOf(result: unknown): string[] {
  let body: unknown = result instanceof SnapshotResult ? result.body : result;
  if (typeof body === 'string') {
    // A response-cache hit or a serialised snapshot read.
    try {
      body = JSON.parse(body);
    } catch {
      return [];
    }
  }
  if (typeof body !== 'object' || body === null) return [];
  const record = body as Record<string, unknown>;
  const items = Array.isArray(record.data)
    ? record.data
    : Array.isArray(record.edges)
      ? record.edges.map((edge: unknown) => (edge as { node?: unknown } | null)?.node)
      : [record];
  const ids: string[] = [];
  for (const item of items) {
    if (ids.length >= MAX_AUDIT_TARGETS) break;
    const value = item as Record<string, unknown> | null;
    const id = value?.customer_id ?? value?.customerId ?? value?.snapshot_id ?? value?.id;
    if (typeof id === 'string' && SAFE_ID.test(id)) ids.push(id);
  }
  return ids;
}
