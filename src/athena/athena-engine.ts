import { GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { C360Error, ErrorCode } from '../common/errors';
import { POINTER_TABLE, SNAPSHOT_PARAMETER } from '../export/glue-catalog';
import { ServedSnapshot } from '../serving/served-snapshot';
import { AthenaRow } from './athena-client';
import { AthenaMasking } from './athena-masking';
import { AthenaQuery } from './athena-query';

const POINTER_TTL_MS = 15_000;

/**
 * Which snapshot the Athena tables hold: the `c360.snapshot_id` parameter an export sets on the
 * Glue tables (customer_360 last), read at most every 15 s.
 */
export interface SnapshotPointer {
  /** The snapshot the Athena tables hold; null when no export registered one. */
  exportedSnapshotId(): Promise<string | null>;
}

/** What runs a query (AthenaQueryRunner; tests put DuckDB over the exported Parquet behind it). */
export interface QueryRunner {
  query<T extends AthenaRow = AthenaRow>(query: AthenaQuery): Promise<T[]>;
}

export class AthenaSnapshotPointer implements SnapshotPointer {
  private cached: { id: string | null; at: number } | null = null;

  constructor(
    private readonly glue: GlueClient,
    private readonly database: string,
  ) {}

  async exportedSnapshotId(now = Date.now()): Promise<string | null> {
    if (this.cached && now - this.cached.at < POINTER_TTL_MS) return this.cached.id;
    const { Table: table } = await this.glue.send(
      new GetTableCommand({ DatabaseName: this.database, Name: POINTER_TABLE }),
    );
    const id = table?.Parameters?.[SNAPSHOT_PARAMETER] ?? null;
    this.cached = { id, at: now };
    return id;
  }
}

/** What the Athena repositories share: the query runner, the caller's masking, the pointer. */
export class AthenaEngine {
  constructor(
    readonly runner: QueryRunner,
    readonly masking: AthenaMasking,
    private readonly pointer: SnapshotPointer,
  ) {}

  /**
   * Runs a query for `snapshot`. The served snapshot (X-C360-Snapshot, cursors, as_of) is the
   * process's active one; Athena must hold the same export, else the read is a 503 rather than
   * data of another snapshot under this snapshot's name.
   */
  async query<T extends AthenaRow = AthenaRow>(snapshot: ServedSnapshot, query: AthenaQuery): Promise<T[]> {
    const exported = await this.pointer.exportedSnapshotId();
    if (exported !== snapshot.id) {
      throw new C360Error(
        ErrorCode.EngineBehind,
        'The query engine does not hold the served snapshot yet; retry shortly.',
      );
    }
    return this.runner.query<T>(query);
  }
}
