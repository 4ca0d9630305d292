import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirs } from '../../src/common/data-dirs';
import { C360Config } from '../../src/config/config';
import { connect, openDuckDb, queryRows, Row } from '../../src/duckdb/duckdb';
import { BuildCoordinator, TriggerRequest } from '../../src/pipeline/build-coordinator';
import { RunRecord } from '../../src/runs/run.model';
import { RunStore } from '../../src/runs/run.store';
import { SnapshotStore } from '../../src/snapshots/snapshot.store';
import { harvestPii } from './log-capture';

export const TEST_SECRET = 'test-secret-0123456789abcdef';

/** A data directory with its own landing zone and a coordinator over it (real DuckDB, real files). */
export class PipelineHarness {
  readonly root: string;
  readonly dirs: DataDirs;
  readonly config: C360Config;
  readonly snapshots: SnapshotStore;
  readonly runs: RunStore;
  readonly coordinator: BuildCoordinator;

  constructor(env: Record<string, string> = {}) {
    this.root = env.C360_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'c360-test-'));
    this.config = C360Config.fromEnv({
      C360_DATA_DIR: this.root,
      AUTH_JWT_SECRET: TEST_SECRET,
      C360_SCHEDULE: 'off',
      LOG_LEVEL: 'warn',
      ...env,
    });
    this.dirs = new DataDirs(this.root);
    this.dirs.ensure();
    this.snapshots = new SnapshotStore(this.dirs);
    this.runs = new RunStore(this.dirs);
    this.coordinator = new BuildCoordinator(this.config, this.dirs, this.snapshots, this.runs);
  }

  land(fileName: string, content: string): void {
    mkdirSync(this.dirs.landing, { recursive: true });
    writeFileSync(join(this.dirs.landing, fileName), content);
  }

  build(request: Partial<TriggerRequest> = {}): Promise<RunRecord> {
    return this.coordinator.runToCompletion({ mode: 'incremental', trigger: 'cli', ...request });
  }

  /** Reads a table of the active (or given) snapshot. */
  async snapshotRows<T extends Row = Row>(sql: string, snapshotId?: string): Promise<T[]> {
    const id = snapshotId ?? this.snapshots.readActive()?.snapshot_id;
    if (!id) throw new Error('no active snapshot');
    const instance = await openDuckDb(this.snapshots.serveDbPath(id), { readOnly: true });
    const connection = await connect(instance);
    try {
      return await queryRows<T>(connection, sql);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  cleanup(): void {
    // The log scan looks for the PII of the data this harness built from.
    harvestPii(this.dirs.landing);
    rmSync(this.root, { recursive: true, force: true });
  }
}

export const CUSTOMER_HEADER =
  'customer_id,email,phone,first_name,last_name,birth_date,street,city,state,postal_code,country,signup_at,marketing_opt_in,updated_at';
export const ORDER_HEADER = 'order_id,customer_id,order_ts,status,channel,currency,updated_at';
export const ITEM_HEADER = 'order_id,line_no,product_id,quantity,unit_price,discount';
export const PRODUCT_HEADER = 'product_id,name,category,brand,unit_price,updated_at';

export function csv(header: string, rows: string[]): string {
  return [header, ...rows].join('\n') + '\n';
}
