import { DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement, DuckDBValue } from '@duckdb/node-api';
import { dirname, join } from 'node:path';
import { rootLogger } from '../common/logger';
import { safeMessage } from '../common/safe-message';
import { connect, execute, openDuckDb, Row, SqlParam, toJsonScalar } from '../duckdb/duckdb';
import { MONEY_AVG_MACRO } from '../pipeline/segments';
import { ServingStore } from '../serving-store/serving-store';
import { SERVING_STORE_FILE } from '../serving-store/serving-store.schema';
import { ActiveSnapshot, SnapshotManifest } from '../snapshots/snapshot.model';

const POOL_SIZE = 4;
/** With a serving store DuckDB answers only aggregates over small gold tables. */
const DUCKDB_MEMORY_WITH_STORE = '512MB';

export interface ServedSnapshotOptions {
  /** Read point and keyset queries from the snapshot's serve.sqlite when it has one (default). */
  servingStore?: boolean;
}
/** Prepared statements kept per connection (statement texts vary with IN-list lengths). */
const STATEMENTS_PER_CONNECTION = 128;

/** One pooled connection and its prepared statements, most recently used last. */
interface PooledConnection {
  connection: DuckDBConnection;
  statements: Map<string, DuckDBPreparedStatement>;
}

/** The snapshot's serving store; a store that cannot be opened leaves every read on DuckDB. */
function openStore(duckDbPath: string, snapshotId: string): ServingStore | null {
  try {
    return ServingStore.open(join(dirname(duckDbPath), SERVING_STORE_FILE), snapshotId);
  } catch (error) {
    rootLogger().warn(
      { snapshot_id: snapshotId, err: safeMessage(error) },
      'serving store unreadable: reads go through DuckDB',
    );
    return null;
  }
}

/**
 * One opened, read-only snapshot: the only handle repositories read through. Requests take a lease
 * for their whole duration so that every query of one request reads the same snapshot; the
 * database closes once the snapshot is retired and its last lease ends.
 *
 * Queries check a connection out of a small pool (a DuckDB connection runs one statement at a
 * time) and reuse its prepared statements, so a repeated query shape is parsed and planned once.
 */
export class ServedSnapshot {
  private leases = 0;
  private retired = false;
  private closed = false;
  private queries = 0;
  private readonly idle: PooledConnection[];
  private readonly waiting: Array<(pooled: PooledConnection) => void> = [];

  private constructor(
    private activePointer: ActiveSnapshot,
    readonly manifest: SnapshotManifest,
    private readonly instance: DuckDBInstance,
    private readonly pool: PooledConnection[],
    /** The snapshot's SQLite serving store; null: every read goes through DuckDB. */
    readonly store: ServingStore | null = null,
  ) {
    this.idle = [...pool];
  }

  static async open(
    path: string,
    active: ActiveSnapshot,
    manifest: SnapshotManifest,
    options: ServedSnapshotOptions = {},
  ): Promise<ServedSnapshot> {
    const store =
      options.servingStore !== false && manifest.serving_store ? openStore(path, active.snapshot_id) : null;
    let instance: DuckDBInstance;
    try {
      instance = await openDuckDb(path, {
        readOnly: true,
        memoryLimit: store ? DUCKDB_MEMORY_WITH_STORE : undefined,
      });
    } catch (error) {
      store?.close();
      throw error;
    }
    const pool: PooledConnection[] = [];
    try {
      for (let i = 0; i < POOL_SIZE; i++) {
        const connection = await connect(instance);
        // Temporary macros live per connection; money is averaged exactly as the gold layer does.
        await execute(connection, MONEY_AVG_MACRO);
        pool.push({ connection, statements: new Map() });
      }
    } catch (error) {
      for (const pooled of pool) pooled.connection.closeSync();
      instance.closeSync();
      store?.close();
      throw error;
    }
    return new ServedSnapshot(active, manifest, instance, pool, store);
  }

  get active(): ActiveSnapshot {
    return this.activePointer;
  }

  get id(): string {
    return this.activePointer.snapshot_id;
  }

  get publishedAt(): string {
    return this.activePointer.published_at;
  }

  /** Served again (a rollback to a snapshot still open): takes the new publish time. */
  reactivate(active: ActiveSnapshot): void {
    this.activePointer = active;
  }

  /** The instant the snapshot's gold tables were computed for (`manifest.as_of`). */
  get asOf(): string {
    return this.manifest.as_of;
  }

  /** Statements run on this snapshot since it was opened (tests count them). */
  get queryCount(): number {
    return this.queries;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Counts a statement run on the serving store (tests count queries per request). */
  countQuery(): void {
    if (this.closed) throw new Error('snapshot is closed');
    this.queries++;
  }

  /** Runs one parameterised statement; values are always bound, never spliced. */
  async query<T extends Row = Row>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    if (this.closed) throw new Error('snapshot is closed');
    this.queries++;
    const pooled = await this.checkout();
    try {
      const statement = await this.prepared(pooled, sql);
      statement.clearBindings();
      if (params.length > 0) statement.bind(params as DuckDBValue[]);
      const reader = await statement.runAndReadAll();
      const columns = reader.columnNames();
      return reader.getRows().map((values) => {
        const row: Row = {};
        for (let i = 0; i < values.length; i++) row[columns[i]] = toJsonScalar(values[i]);
        return row as T;
      });
    } finally {
      this.checkin(pooled);
    }
  }

  acquire(): void {
    this.leases++;
  }

  release(): void {
    this.leases--;
    if (this.retired && this.leases === 0) this.close();
  }

  /** Closes the database once no request holds it any more. */
  retire(): void {
    this.retired = true;
    if (this.leases === 0) this.close();
  }

  private async prepared(pooled: PooledConnection, sql: string): Promise<DuckDBPreparedStatement> {
    const cached = pooled.statements.get(sql);
    if (cached) {
      // Re-insert: the map's order is the eviction order.
      pooled.statements.delete(sql);
      pooled.statements.set(sql, cached);
      return cached;
    }
    const statement = await pooled.connection.prepare(sql);
    pooled.statements.set(sql, statement);
    if (pooled.statements.size > STATEMENTS_PER_CONNECTION) {
      const [oldest, evicted] = pooled.statements.entries().next().value as [string, DuckDBPreparedStatement];
      pooled.statements.delete(oldest);
      evicted.destroySync();
    }
    return statement;
  }

  private checkout(): Promise<PooledConnection> {
    const pooled = this.idle.pop();
    if (pooled) return Promise.resolve(pooled);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private checkin(pooled: PooledConnection): void {
    const next = this.waiting.shift();
    if (next) next(pooled);
    else this.idle.push(pooled);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const pooled of this.pool) {
      for (const statement of pooled.statements.values()) statement.destroySync();
      pooled.connection.closeSync();
    }
    this.instance.closeSync();
    this.store?.close();
  }
}
