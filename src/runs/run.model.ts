export const RUN_STATUSES = [
  'queued',
  'running',
  'published',
  'failed',
  'failed_quality',
  'cancelled',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RUN_TRIGGERS = ['schedule', 'admin', 'cli', 'backfill'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
export const RUN_MODES = ['full', 'incremental'] as const;
export type RunMode = (typeof RUN_MODES)[number];

export interface RunStep {
  name: string;
  status: 'running' | 'succeeded' | 'failed' | 'skipped';
  started_at: string;
  finished_at: string | null;
  rows_in: number;
  rows_out: number;
}

/** Control totals of a database source (SPEC §3 reconciliation). */
export interface HashTotalRecord {
  /** Rows the source database counts in the window the run read. */
  rows: number;
  /** 64-bit hash total (hex) of the rows as the database sent them. */
  source: string;
  /** The same total over the rows as they landed in the run. */
  landed: string;
  /** Counts and totals agree: nothing was lost, doubled or altered on the way. */
  matches: boolean;
}

export interface SourceReconciliation {
  name: string;
  read: number;
  loaded: number;
  quarantined: number;
  watermark_from: string | null;
  watermark_to: string | null;
  files: string[];
  /** Source kind (file, s3, postgres, mysql, debezium, events, staging). */
  kind?: string;
  /** Database sources: source count and hash totals. */
  hash_total?: HashTotalRecord | null;
  /** Backfill runs: the watermark window re-extracted. */
  window?: { from: string; to: string } | null;
}

export interface DqResult {
  table: string;
  check: string;
  severity: 'critical' | 'warn';
  passed: boolean;
  failing_rows: number;
  /** The check type (not_null, unique, freshness, sql, …); absent on records written before. */
  type?: string;
  /** `changed_customers`: an incremental run checked only the rows it rewrote (the others passed
   *  this check in the base snapshot); `table`: the whole table. */
  scope?: 'table' | 'changed_customers';
}

export interface DriftEvent {
  source: string;
  kind: 'new_column' | 'missing_column';
  column: string;
  file: string;
}

/** How a run built gold: from bronze, or only the customers its data touched. */
export interface RunPlan {
  kind: 'full' | 'incremental';
  /** Why (e.g. `requested`, `no gold state yet`, `gold models changed`). */
  reason: string;
  /** The snapshot an incremental run started from. */
  base_snapshot_id: string | null;
  /** Customers whose incremental models were recomputed (incremental runs). */
  changed_customers: number | null;
  /** Table models an incremental run kept from the base snapshot (nothing they read changed). */
  kept_models?: string[];
  /** The publish step's build of serve.sqlite: from scratch or the changed customers only. */
  serving_store?: {
    build: 'full' | 'incremental';
    ms: number;
    rows: number;
    customers: number | null;
    bytes: number;
  };
}

/** A pipeline run as `GET /v1/admin/runs/{id}` returns it (SPEC §7). */
export interface RunRecord {
  id: string;
  trigger: RunTrigger;
  mode: RunMode;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  progress: number;
  snapshot_id: string | null;
  as_of: string | null;
  steps: RunStep[];
  sources: SourceReconciliation[];
  dq: DqResult[];
  drift: DriftEvent[];
  error: string | null;
  pid: number;
  /** Set once the run has decided how to build (absent on records written before). */
  plan?: RunPlan | null;
  /** Backfill runs: the window of source data re-extracted, [from, to). */
  window?: { from: string; to: string } | null;
}

export const TERMINAL_STATUSES: readonly RunStatus[] = ['published', 'failed', 'failed_quality', 'cancelled'];
