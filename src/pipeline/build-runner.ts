import { DuckDBConnection } from '@duckdb/node-api';
import { mkdirSync, rmSync } from 'node:fs';
import { DataDirs } from '../common/data-dirs';
import { rootLogger } from '../common/logger';
import { safeMessage } from '../common/safe-message';
import { C360Config } from '../config/config';
import { connect, execute, openDuckDb, quoteLiteral } from '../duckdb/duckdb';
import { loadSourceDefinitions } from '../ingest/source-definition';
import { RunRecord, RunStep } from '../runs/run.model';
import { RunStore } from '../runs/run.store';
import { SnapshotStore } from '../snapshots/snapshot.store';
import { loadDqChecks } from './dq-checks';
import { loadGoldModels, orderModels } from './gold-models';
import { RegistryRepository } from './registry.repository';
import {
  BuildSelection,
  NO_OBSERVER,
  RunCancelledError,
  RunContext,
  RunObserver,
  StepResult,
  throwIfCancelled,
} from './run-context';
import { loadSegmentConfig } from './segments';
import { extractStep } from './steps/extract.step';
import { goldStep } from './steps/gold.step';
import { publishStep } from './steps/publish.step';
import { QualityGateError, qualityStep } from './steps/quality.step';
import { silverStep } from './steps/silver.step';

export { RunCancelledError } from './run-context';
export type { BuildSelection } from './run-context';
export { QualityGateError } from './steps/quality.step';

interface StepDefinition {
  name: string;
  weight: number;
  run(ctx: RunContext): Promise<StepResult>;
}

/** The steps of a run, in order, with their share of the progress bar. */
const STEPS: StepDefinition[] = [
  { name: 'extract', weight: 0.3, run: extractStep },
  { name: 'silver', weight: 0.15, run: silverStep },
  { name: 'gold', weight: 0.35, run: goldStep },
  { name: 'quality', weight: 0.05, run: qualityStep },
  { name: 'publish', weight: 0.15, run: publishStep },
];

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
    private readonly observer: RunObserver = NO_OBSERVER,
  ) {}

  /** Interrupts the query under way; the runner notices the abort between steps. */
  interrupt(): void {
    this.connection?.interrupt();
  }

  async run(run: RunRecord, signal: AbortSignal, selection: BuildSelection = {}): Promise<RunRecord> {
    const asOf = run.as_of ? new Date(run.as_of) : new Date(run.started_at);
    run.as_of = asOf.toISOString();
    this.dirs.ensure();
    const sources = loadSourceDefinitions(this.config.configDir);
    const instance = await openDuckDb(':memory:');
    const connection = await connect(instance);
    this.connection = connection;
    const ctx: RunContext = {
      run,
      config: this.config,
      dirs: this.dirs,
      snapshots: this.snapshots,
      connection,
      registry: new RegistryRepository(connection),
      signal,
      log: rootLogger().child({ run_id: run.id }),
      asOf,
      selection,
      sources,
      selected: sources.filter((s) => !selection.sources?.length || selection.sources.includes(s.name)),
      models: orderModels(loadGoldModels(this.config.configDir)),
      checks: loadDqChecks(this.config.configDir),
      segments: loadSegmentConfig(this.config.configDir),
      extracted: [],
      snapshotId: null,
      observer: this.observer,
    };
    await this.notify(() => this.observer.runStarted?.(run));
    try {
      mkdirSync(this.dirs.scratch, { recursive: true });
      await execute(connection, `set temp_directory = ${quoteLiteral(this.dirs.scratch)}`);
      await execute(connection, `set variable as_of = timestamp ${quoteLiteral(sqlTimestamp(asOf))}`);
      await execute(connection, `attach ${quoteLiteral(this.dirs.warehouseDb)} as wh`);
      await ctx.registry.ensureSchema();
      for (const step of STEPS) await this.runStep(ctx, step);
      run.status = 'published';
      run.progress = 1;
      ctx.log.info({ snapshot_id: run.snapshot_id }, 'snapshot published');
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
      ctx.log.warn({ status: run.status, error: run.error }, 'run did not publish');
      this.discardUnpublished(ctx);
    } finally {
      this.connection = null;
      connection.closeSync();
      instance.closeSync();
      run.finished_at = new Date().toISOString();
      this.runs.save(run);
      await this.notify(() => this.observer.runFinished?.(run));
    }
    return run;
  }

  /** A run that did not publish leaves nothing behind but its quarantine (kept for inspection). */
  private discardUnpublished(ctx: RunContext): void {
    for (const { result } of ctx.extracted) {
      if (result.bronzePath) rmSync(result.bronzePath, { force: true });
    }
    if (ctx.snapshotId && this.snapshots.readActive()?.snapshot_id !== ctx.snapshotId) {
      rmSync(this.snapshots.directory(ctx.snapshotId), { recursive: true, force: true });
    }
  }

  private async runStep(ctx: RunContext, definition: StepDefinition): Promise<void> {
    const { run, signal } = ctx;
    throwIfCancelled(signal);
    const step: RunStep = {
      name: definition.name,
      status: 'running',
      started_at: new Date().toISOString(),
      finished_at: null,
      rows_in: 0,
      rows_out: 0,
    };
    run.steps.push(step);
    this.runs.save(run);
    await this.notify(() => this.observer.stepStarted?.(run, definition.name));
    try {
      const { rowsIn, rowsOut } = await definition.run(ctx);
      step.rows_in = rowsIn;
      step.rows_out = rowsOut;
      step.status = 'succeeded';
      await this.notify(() =>
        this.observer.stepFinished?.(run, definition.name, { status: 'succeeded', inputs: [], outputs: [] }),
      );
    } catch (error) {
      step.status = 'failed';
      await this.notify(() =>
        this.observer.stepFinished?.(run, definition.name, {
          status: 'failed',
          inputs: [],
          outputs: [],
          error: safeMessage(error),
        }),
      );
      throw signal.aborted ? new RunCancelledError() : error;
    } finally {
      step.finished_at = new Date().toISOString();
      const done = run.steps.filter((s) => s.status === 'succeeded').map((s) => s.name);
      run.progress = Math.min(
        0.99,
        STEPS.filter((s) => done.includes(s.name)).reduce((sum, s) => sum + s.weight, 0),
      );
      this.runs.save(run);
    }
  }

  /** Observers never fail a build. */
  private async notify(call: () => void | Promise<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      rootLogger().warn({ err: safeMessage(error) }, 'run observer failed');
    }
  }
}

export function sqlTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}
