/** What an audit entry is about. Identifiers only: customer ids are not PII (SPEC §4 classes). */
export const AUDIT_TARGET_TYPES = ['customer', 'run', 'snapshot', 'source'] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

/** `admin`: a call of an admin route; `pii_read`: a read that returned PII in clear. */
export const AUDIT_KINDS = ['admin', 'pii_read'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** One audited request. Never holds a PII value, a query string or a token. */
export interface AuditEntry {
  /** Time-ordered id (`a<ms>-<seq>-<rand>`); newest entries have the greatest ids. */
  id: string;
  at: string;
  /** `sub` of the verified token. */
  actor: string;
  roles: string[];
  kind: AuditKind;
  /** The operation: the REST operationId (`getCustomer`, `createRun` …) or `graphql.<field>`. */
  action: string;
  transport: 'rest' | 'graphql';
  target_type: AuditTargetType | null;
  /** Customers, runs or snapshots concerned (at most MAX_AUDIT_TARGETS). */
  target_ids: string[];
  request_id: string;
  /** HTTP status of the outcome (GraphQL: the status the error maps to, 200 on success). */
  status: number;
}

export const MAX_AUDIT_TARGETS = 200;
