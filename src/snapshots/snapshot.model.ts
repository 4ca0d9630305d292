/** What a published snapshot holds; written to `snapshots/<id>/manifest.json`. */
export interface SnapshotManifest {
  snapshot_id: string;
  run_id: string;
  created_at: string;
  as_of: string;
  tables: Record<string, { rows: number }>;
  segments: string[];
  /** Tables that feed other models only (`int_*`): not exported. */
  internal_tables?: string[];
  /** How the snapshot was built: from bronze, or as a change of `base_snapshot_id`. */
  build?: 'full' | 'incremental';
  base_snapshot_id?: string | null;
  /** The SQLite serving store built with the snapshot (absent: served from serve.duckdb only). */
  serving_store?: ServingStoreManifest | null;
}

export interface ServingStoreManifest {
  /** File name inside the snapshot directory. */
  file: string;
  version: number;
  build: 'full' | 'incremental';
  ms: number;
  rows: number;
  customers: number | null;
  bytes: number;
  /** Milliseconds per store table (and `copy`, the base file copy of an incremental build). */
  tables?: Record<string, number>;
}

/** The pointer to the served snapshot; `snapshots/ACTIVE.json`, replaced atomically. */
export interface ActiveSnapshot {
  snapshot_id: string;
  published_at: string;
}

export const SERVE_DB_FILE = 'serve.duckdb';
export const MANIFEST_FILE = 'manifest.json';
