import { HttpException, Injectable } from '@nestjs/common';
import { Permission, RouteKind } from '../auth/policy';
import { Principal } from '../auth/principal';
import { C360Error } from '../common/errors';
import { rootLogger } from '../common/logger';
import { MaskingService } from '../masking/masking.service';
import { PiiResponseMetadata } from '../masking/pii-response.decorator';
import { SnapshotResult } from '../serving/snapshot-result';
import { AuditEntry, AuditKind, AuditTargetType, MAX_AUDIT_TARGETS } from './audit.model';
import { AuditStore } from './audit.store';

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
export const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** An audit entry before its outcome is known. */
export type PendingAudit = Omit<AuditEntry, 'id' | 'at' | 'status'>;

/** One REST call, as much of it as auditing needs. */
export interface RestCall {
  principal: Principal | undefined;
  permission: Permission | undefined;
  pii: PiiResponseMetadata | undefined;
  /** The OpenAPI operationId (the handler's name when it has none). */
  action: string;
  /** The route pattern, e.g. `/v1/customers/:id`. */
  route: string;
  params: unknown;
  query: unknown;
  requestId: string;
}

const statusOf = (error: unknown): number =>
  error instanceof C360Error ? error.status : error instanceof HttpException ? error.getStatus() : 500;

/**
 * Decides what is audited and writes it (SPEC §9): every call of an admin route and every read
 * whose masking decision shows the caller some PII class in clear. Used by the AuditInterceptor
 * (REST through Nest, GraphQL root fields) and the read lane, so both audit identically. Entries
 * carry identifiers only, never PII or query strings.
 */
@Injectable()
export class AuditRecorder {
  constructor(
    private readonly masking: MaskingService,
    private readonly store: AuditStore,
  ) {}

  /** The pending entry of a REST call, or null when the call is not audited. */
  restEntry(call: RestCall): PendingAudit | null {
    const principal = call.principal;
    if (!principal) return null;
    const pii = call.pii;
    const kind: AuditKind | null =
      call.permission === 'admin' ? 'admin' : pii && this.seesClear(principal, pii.kind) ? 'pii_read' : null;
    if (!kind) return null;
    const targetType = TARGETS.find(([prefix]) => call.route.startsWith(prefix))?.[1] ?? null;
    const params = (call.params ?? {}) as Record<string, unknown>;
    const query = (call.query ?? {}) as Record<string, unknown>;
    // Only validated identifiers (path ids, a run_id filter); never other query values.
    const id = [params.id, params.source, query.run_id].find(
      (v): v is string => typeof v === 'string' && SAFE_ID.test(v),
    );
    return {
      actor: principal.sub,
      roles: [...principal.roles],
      kind,
      action: call.action,
      transport: 'rest',
      target_type: targetType,
      target_ids: id !== undefined ? [id] : [],
      request_id: call.requestId,
    };
  }

  /** Whether the caller sees some PII class in clear on routes of `kind` (MaskingService). */
  seesClear(principal: Principal, kind: RouteKind): boolean {
    return this.masking.seesClear(principal, kind);
  }

  /** Records a call that answered `status`; the targets come from the result when the path
   *  named none. */
  succeeded(pending: PendingAudit, result: unknown, status: number): void {
    const ids =
      pending.target_ids.length > 0 || pending.target_type === null
        ? pending.target_ids
        : targetIdsOf(result);
    this.write({ ...pending, target_ids: ids }, status);
  }

  /** Records a call that failed with `error`. */
  failed(pending: PendingAudit, error: unknown): void {
    const status = statusOf(error);
    // A refused parameter is whatever the caller sent (possibly PII): not an identifier.
    this.write({ ...pending, target_ids: status === 400 ? [] : pending.target_ids }, status);
  }

  private write(pending: PendingAudit, status: number): void {
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
