import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { DataDirs } from '../common/data-dirs';
import { C360Config } from '../config/config';
import { connect, execute, openDuckDb, queryRows, quoteIdent, quoteLiteral } from '../duckdb/duckdb';
import { listLandingFiles } from '../ingest/landing-files';
import { loadSourceDefinitions, SourceDefinition } from '../ingest/source-definition';
import { loadGoldModels, orderModels } from './gold-models';
import { RegistryRepository } from './registry.repository';
import { createBronzeViews } from './silver';

/** What `c360 backfill --dry-run` and `POST /v1/admin/backfills {dry_run: true}` report. */
export interface BackfillReport {
  window: { from: string; to: string };
  sources: Array<{
    source: string;
    kind: string;
    entity: string | null;
    watermark: string | null;
    /** How the window is re-read: a range query, every landing file/object filtered, or not at all. */
    reread: 'window query' | 'every file, rows in the window kept' | 'skipped: no watermark';
    /** Landing files that would be read again (file-like sources). */
    files: number | null;
    /** Rows already in bronze whose watermark lies in the window. */
    rows_in_window: number;
  }>;
  /** Customers with a row in the window: their incremental models would be recomputed. */
  customers_in_window: number;
  models: { incremental: string[]; recomputed_whole: string[] };
}

const FILE_KINDS = new Set(['file', 'events', 'debezium']);

function rereadOf(source: SourceDefinition): BackfillReport['sources'][number]['reread'] {
  if (!source.watermark && source.kind !== 'debezium') return 'skipped: no watermark';
  return FILE_KINDS.has(source.kind) || source.kind === 's3'
    ? 'every file, rows in the window kept'
    : 'window query';
}

/** The column a source's rows are placed in the window by (Debezium: the change time). */
function windowColumn(source: SourceDefinition): string | null {
  if (source.kind === 'debezium') return 'change_ts';
  return source.watermark;
}

/**
 * Plans a backfill without writing anything: reads the registry and the committed bronze files
 * (read-only) to say which sources would be re-read, how many rows they hold in the window, and
 * how many customers' models would be recomputed.
 */
export async function planBackfill(
  config: C360Config,
  dirs: DataDirs,
  window: { from: Date; to: Date },
): Promise<BackfillReport> {
  const sources = loadSourceDefinitions(config.configDir);
  const models = orderModels(loadGoldModels(config.configDir));
  const instance = await openDuckDb(':memory:');
  const connection = await connect(instance);
  const counts = new Map<string, number>();
  let customers = 0;
  try {
    const bronze = new Map<string, string[]>();
    if (existsSync(dirs.warehouseDb)) {
      await execute(connection, `attach ${quoteLiteral(dirs.warehouseDb)} as wh (read_only)`);
      const registry = new RegistryRepository(connection);
      const committed = await registry.bronzeFiles().catch(() => new Map<string, string[]>());
      for (const [source, files] of committed) {
        bronze.set(
          source,
          files.map((f) => (isAbsolute(f) ? f : join(dirs.root, f))).filter((f) => existsSync(f)),
        );
      }
    }
    await createBronzeViews(connection, sources, bronze);
    const params = [window.from.toISOString(), window.to.toISOString()];
    const inWindow = (column: string): string =>
      `${quoteIdent(column)} >= $1::timestamptz and ${quoteIdent(column)} < $2::timestamptz`;
    const customerSelects: string[] = [];
    for (const source of sources) {
      const column = windowColumn(source);
      if (!column) continue;
      const view = quoteIdent(`bronze_${source.name}`);
      const [row] = await queryRows<{ n: number }>(
        connection,
        `select count(*) as n from ${view} where ${inWindow(column)}`,
        params,
      );
      counts.set(source.name, row.n);
      if (source.columns.some((c) => c.name === 'customer_id')) {
        customerSelects.push(`select customer_id from ${view} where ${inWindow(column)}`);
      }
    }
    if (customerSelects.length > 0) {
      const [row] = await queryRows<{ n: number }>(
        connection,
        `select count(distinct customer_id) as n from (${customerSelects.join(' union all ')})`,
        params,
      );
      customers = row.n;
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return {
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
    sources: sources.map((source) => ({
      source: source.name,
      kind: source.kind,
      entity: source.entity ?? null,
      watermark: source.watermark,
      reread: rereadOf(source),
      files: FILE_KINDS.has(source.kind) ? listLandingFiles(dirs.landing, source.path).length : null,
      rows_in_window: counts.get(source.name) ?? 0,
    })),
    customers_in_window: customers,
    models: {
      incremental: models.filter((m) => m.materialized === 'incremental').map((m) => m.name),
      recomputed_whole: models.filter((m) => m.materialized === 'table').map((m) => m.name),
    },
  };
}
