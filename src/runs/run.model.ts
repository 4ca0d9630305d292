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

export interface SourceReconciliation {
  name: string;
  read: number;
  loaded: number;
  quarantined: number;
  watermark_from: string | null;
  watermark_to: string | null;
  files: string[];
}

export interface DqResult {
  table: string;
  check: string;
  severity: 'critical' | 'warn';
  passed: boolean;
  failing_rows: number;
}

export interface DriftEvent {
  source: string;
  kind: 'new_column' | 'missing_column';
  column: string;
  file: string;
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
}

export const TERMINAL_STATUSES: readonly RunStatus[] = ['published', 'failed', 'failed_quality', 'cancelled'];
