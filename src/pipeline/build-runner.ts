import { DuckDBConnection } from '@duckdb/node-api';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { DataDirs } from '../common/data-dirs';
import { rootLogger } from '../common/logger';
import { safeMessage } from '../common/safe-message';
import { C360Config } from '../config/config';
import { connect, execute, openDuckDb, queryRows, quoteIdent, quoteLiteral } from '../duckdb/duckdb';
import { Extractor, ExtractResult } from '../ingest/extractor';
import { LandingFile, listLandingFiles } from '../ingest/landing-files';
import { loadSourceDefinitions, SourceDefinition } from '../ingest/source-definition';
import { DqResult, RunRecord, RunStep } from '../runs/run.model';
import { RunStore } from '../runs/run.store';
import { SnapshotStore } from '../snapshots/snapshot.store';
import { loadDqChecks, runDqChecks } from './dq-checks';
import { GoldModel, loadGoldModels, orderModels } from './gold-models';
import { RegistryRepository } from './registry.repository';
import { loadSegmentConfig, MONEY_AVG_MACRO, segmentNames, segmentSql } from './segments';
import { buildSilver, createBronzeViews } from './silver';

export class RunCancelledError extends Error {
  constructor() {
    super('the run was cancelled');
  }
}

export class QualityGateError extends Error {
  constructor(readonly failures: DqResult[]) {
    super(`critical data-quality checks failed: ${failures.map((f) => `${f.table}.${f.check}`).join(', ')}`);
  }
}

/** Tables copied into a snapshot besides the gold models. */
const STEP_WEIGHTS: Record<string, number> = {
  extract: 0.3,
  silver: 0.15,
  gold: 0.35,
  quality: 0.05,
  publish: 0.15,
};

export interface BuildSelection {
  /** Limit extraction to these sources (all when empty). */
  sources?: string[];
}

/**
 * One pipeline run: landing → bronze/quarantine → silver → gold → quality gate → publish. The
 * work happens in a private in-memory DuckDB; nothing outside it changes until the quality gate
 * passed: then the snapshot is written, made active atomically, and the loads are committed.
 */
export class BuildRunner {
  private connection: DuckDBConnection | null = null;

  constructor(
    private readonly config: C360Config,
    private readonly dirs: DataDirs,
    private readonly snapshots: SnapshotStore,
    private readonly runs: RunStore,
  ) {}

  /** Interrupts the query under way; the runner notices the abort between steps. */
  interrupt(): void {
    this.connection?.interrupt();
  }

  async run(run: RunRecord, signal: AbortSignal, selection: BuildSelection = {}): Promise<RunRecord> {
    const log = rootLogger().child({ run_id: run.id });
    const asOf = run.as_of ? new Date(run.as_of) : new Date(run.started_at);
    run.as_of = asOf.toISOString();
    this.dirs.ensure();
    const sources = loadSourceDefinitions(this.config.configDir).filter(
      (s) => !selection.sources?.length || selection.sources.includes(s.name),
    );
    const allSources = loadSourceDefinitions(this.config.configDir);
    const models = orderModels(loadGoldModels(this.config.configDir));
    const checks = loadDqChecks(this.config.configDir);
    const segments = loadSegmentConfig(this.config.configDir);

    const instance = await openDuckDb(':memory:');
    const connection = await connect(instance);
    this.connection = connection;
    const extracted: Array<{ source: SourceDefinition; files: LandingFile[]; result: ExtractResult }> = [];
    let snapshotId: string | null = null;
    try {
      mkdirSync(this.dirs.scratch, { recursive: true });
      await execute(connection, `set temp_directory = ${quoteLiteral(this.dirs.scratch)}`);
      await execute(connection, `set variable as_of = timestamp ${quoteLiteral(sqlTimestamp(asOf))}`);
      await execute(connection, `attach ${quoteLiteral(this.dirs.warehouseDb)} as wh`);
      const registry = new RegistryRepository(connection);
      await registry.ensureSchema();

      await this.step(run, 'extract', signal, async () => {
        const extractor = new Extractor({
          connection,
          runId: run.id,
          ingestTs: new Date(run.started_at),
          bronzeDir: this.dirs.bronze,
          quarantineDir: this.dirs.quarantine,
        });
        let read = 0;
        let loaded = 0;
        for (const source of sources) {
          this.throwIfCancelled(signal);
          if (source.kind !== 'file' && source.kind !== 'debezium') {
            throw new Error(`source ${source.name}: kind ${source.kind} is not supported by this build yet`);
          }
          const loadedNames = await registry.loadedFileNames(source.name);
          const files = listLandingFiles(this.dirs.landing, source.path).filter(
            (f) => !loadedNames.has(f.name),
          );
          const result = await extractor.extract(source, files);
          const watermarkFrom = await registry.watermark(source.name);
          extracted.push({ source, files, result });
          run.sources.push({
            name: source.name,
            read: result.read,
            loaded: result.loaded,
            quarantined: result.quarantined,
            watermark_from: watermarkFrom,
            watermark_to: result.watermarkTo ?? watermarkFrom,
            files: result.files,
          });
          run.drift.push(...result.drift);
          read += result.read;
          loaded += result.loaded;
          log.info(
            {
              source: source.name,
              files: files.length,
              read: result.read,
              loaded: result.loaded,
              quarantined: result.quarantined,
            },
            'extracted',
          );
          this.save(run);
        }
        return { rowsIn: read, rowsOut: loaded };
      });

      await this.step(run, 'silver', signal, async () => {
        const committed = await registry.bronzeFiles();
        const bronze = new Map<string, string[]>();
        for (const source of allSources) {
          const files = (committed.get(source.name) ?? []).map((p) =>
            isAbsolute(p) ? p : join(this.dirs.root, p),
          );
          const current = extracted.find((e) => e.source.name === source.name)?.result;
          if (current?.bronzePath && current.loaded > 0) files.push(current.bronzePath);
          bronze.set(
            source.name,
            files.filter((f) => existsSync(f)),
          );
        }
        await createBronzeViews(connection, allSources, bronze);
        await buildSilver(connection, allSources);
        const [counts] = await queryRows<{ rows_in: number; rows_out: number }>(
          connection,
          `select (select count(*) from stg_customers) + (select count(*) from stg_orders) + (select count(*) from stg_order_items)
                  + (select count(*) from stg_products) + (select count(*) from stg_events) as rows_in,
                  (select count(*) from silver_customers) + (select count(*) from silver_orders) + (select count(*) from silver_order_items)
                  + (select count(*) from silver_products) + (select count(*) from silver_events) as rows_out`,
        );
        return { rowsIn: counts.rows_in, rowsOut: counts.rows_out };
      });

      await this.step(run, 'gold', signal, async () => {
        await execute(connection, MONEY_AVG_MACRO);
        for (const statement of segmentSql(segments)) await execute(connection, statement);
        let rows = 0;
        for (const model of models) {
          this.throwIfCancelled(signal);
          rows = await this.buildModel(connection, model);
          log.debug({ model: model.name, rows }, 'model built');
        }
        const [c360] = await queryRows<{ n: number }>(connection, 'select count(*) as n from customer_360');
        return { rowsIn: rows, rowsOut: c360.n };
      });

      await this.step(run, 'quality', signal, async () => {
        run.dq = await runDqChecks(connection, checks);
        const failures = run.dq.filter((r) => !r.passed && r.severity === 'critical');
        for (const warning of run.dq.filter((r) => !r.passed && r.severity === 'warn')) {
          log.warn(
            { table: warning.table, check: warning.check, failing_rows: warning.failing_rows },
            'data-quality warning',
          );
        }
        if (failures.length > 0) throw new QualityGateError(failures);
        return { rowsIn: run.dq.length, rowsOut: run.dq.filter((r) => r.passed).length };
      });

      await this.step(run, 'publish', signal, async () => {
        snapshotId = this.snapshots.newSnapshotId();
        const rows = await this.writeSnapshot(connection, snapshotId, run, models, segmentNames(segments));
        this.throwIfCancelled(signal);
        this.snapshots.activate(snapshotId);
        run.snapshot_id = snapshotId;
        await registry.commit(
          run.id,
          extracted.map(({ source, files, result }) => ({
            source: source.name,
            files,
            bronzePath:
              result.bronzePath && result.loaded > 0 ? relative(this.dirs.root, result.bronzePath) : null,
            rows: result.loaded,
            watermark: result.watermarkTo,
          })),
        );
        this.snapshots.prune(this.config.get('snapshotRetention'));
        return { rowsIn: rows, rowsOut: rows };
      });
      run.status = 'published';
      run.progress = 1;
      log.info({ snapshot_id: snapshotId }, 'snapshot published');
    } catch (error) {
      if (signal.aborted || error instanceof RunCancelledError) {
        run.status = 'cancelled';
        run.error = 'The run was cancelled.';
      } else if (error instanceof QualityGateError) {
        run.status = 'failed_quality';
        run.error = error.message;
      } else {
        run.status = 'failed';
        run.error = safeMessage(error);
      }
      log.warn({ status: run.status, error: run.error }, 'run did not publish');
      this.discardUnpublished(extracted, run.snapshot_id === null ? snapshotId : null);
    } finally {
      this.connection = null;
      connection.closeSync();
      instance.closeSync();
      run.finished_at = new Date().toISOString();
      this.save(run);
    }
    return run;
  }

  private async buildModel(connection: DuckDBConnection, model: GoldModel): Promise<number> {
    try {
      await execute(connection, `create or replace table ${quoteIdent(model.name)} as\n${model.sql}`);
    } catch (error) {
      throw new Error(`gold model ${model.name} (${model.file}) failed: ${safeMessage(error)}`);
    }
    const [count] = await queryRows<{ n: number }>(
      connection,
      `select count(*) as n from ${quoteIdent(model.name)}`,
    );
    return count.n;
  }

  /** Copies the gold tables into a new snapshot database and writes its manifest. */
  private async writeSnapshot(
    connection: DuckDBConnection,
    snapshotId: string,
    run: RunRecord,
    models: GoldModel[],
    segments: string[],
  ): Promise<number> {
    const directory = this.snapshots.directory(snapshotId);
    mkdirSync(directory, { recursive: true });
    await execute(connection, `attach ${quoteLiteral(this.snapshots.serveDbPath(snapshotId))} as snap`);
    const tables: Record<string, { rows: number }> = {};
    let total = 0;
    try {
      for (const model of models) {
        const name = quoteIdent(model.name);
        await execute(connection, `create table snap.${name} as select * from ${name}`);
        const [count] = await queryRows<{ n: number }>(connection, `select count(*) as n from ${name}`);
        tables[model.name] = { rows: count.n };
        total += count.n;
      }
      if (tables.customer_360)
        await execute(connection, 'create unique index customer_360_id on snap.customer_360 (customer_id)');
      await execute(connection, 'checkpoint snap');
    } finally {
      await execute(connection, 'detach snap');
    }
    this.snapshots.writeManifest({
      snapshot_id: snapshotId,
      run_id: run.id,
      created_at: new Date().toISOString(),
      as_of: run.as_of ?? run.started_at,
      tables,
      segments,
    });
    return total;
  }

  /** A run that did not publish leaves nothing behind but its quarantine (kept for inspection). */
  private discardUnpublished(extracted: Array<{ result: ExtractResult }>, snapshotId: string | null): void {
    for (const { result } of extracted) {
      if (result.bronzePath) rmSync(result.bronzePath, { force: true });
    }
    if (snapshotId && this.snapshots.readActive()?.snapshot_id !== snapshotId) {
      rmSync(this.snapshots.directory(snapshotId), { recursive: true, force: true });
    }
  }

  private async step(
    run: RunRecord,
    name: string,
    signal: AbortSignal,
    work: () => Promise<{ rowsIn: number; rowsOut: number }>,
  ): Promise<void> {
    this.throwIfCancelled(signal);
    const step: RunStep = {
      name,
      status: 'running',
      started_at: new Date().toISOString(),
      finished_at: null,
      rows_in: 0,
      rows_out: 0,
    };
    run.steps.push(step);
    this.save(run);
    try {
      const { rowsIn, rowsOut } = await work();
      step.rows_in = rowsIn;
      step.rows_out = rowsOut;
      step.status = 'succeeded';
    } catch (error) {
      step.status = 'failed';
      throw signal.aborted ? new RunCancelledError() : error;
    } finally {
      step.finished_at = new Date().toISOString();
      run.progress = Math.min(
        0.99,
        run.steps
          .filter((s) => s.status === 'succeeded')
          .reduce((sum, s) => sum + (STEP_WEIGHTS[s.name] ?? 0), 0),
      );
      this.save(run);
    }
  }

  private throwIfCancelled(signal: AbortSignal): void {
    if (signal.aborted) throw new RunCancelledError();
  }

  private save(run: RunRecord): void {
    this.runs.save(run);
  }
}

export function sqlTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}
