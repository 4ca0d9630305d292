import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { connect, openDuckDb, queryRows, Row, SqlParams } from '../duckdb/duckdb';
import { ActiveSnapshot, SnapshotManifest } from '../snapshots/snapshot.model';

const POOL_SIZE = 4;

/**
 * One opened, read-only snapshot. Requests take a lease for their whole duration so that every
 * query of one request reads the same snapshot; the database closes once the snapshot is retired
 * and its last lease ends.
 */
export class ServedSnapshot {
  private leases = 0;
  private retired = false;
  private next = 0;

  private constructor(
    readonly active: ActiveSnapshot,
    readonly manifest: SnapshotManifest,
    private readonly instance: DuckDBInstance,
    private readonly pool: DuckDBConnection[],
  ) {}

  static async open(
    path: string,
    active: ActiveSnapshot,
    manifest: SnapshotManifest,
  ): Promise<ServedSnapshot> {
    const instance = await openDuckDb(path, { readOnly: true });
    const pool: DuckDBConnection[] = [];
    for (let i = 0; i < POOL_SIZE; i++) pool.push(await connect(instance));
    return new ServedSnapshot(active, manifest, instance, pool);
  }

  get id(): string {
    return this.active.snapshot_id;
  }

  get publishedAt(): string {
    return this.active.published_at;
  }

  async query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    const connection = this.pool[this.next++ % this.pool.length];
    return queryRows<T>(connection, sql, params);
  }

  acquire(): void {
    this.leases++;
  }

  release(): void {
    this.leases--;
    if (this.retired && this.leases === 0) this.close();
  }

  retire(): void {
    this.retired = true;
    if (this.leases === 0) this.close();
  }

  private close(): void {
    for (const connection of this.pool) connection.closeSync();
    this.instance.closeSync();
  }
}
