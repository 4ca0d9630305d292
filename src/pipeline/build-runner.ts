import { DuckDBConnection } from '@duckdb/node-api';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { DataDirs } from '../common/data-dirs';
import { rootLogger } from '../common/logger';
import { safeMessage } from '../common/safe-message';
import { C360Config } from '../config/config';
import { connect, execute, openDuckDb, quoteLiteral } from '../duckdb/duckdb';
import { loadSourceDefinitions } from '../ingest/source-definition';
import { RunPlan, RunRecord, RunStep } from '../runs/run.model';
import { RunStore } from '../runs/run.store';
import { SnapshotStore } from '../snapshots/snapshot.store';
import { checksFingerprint, loadDqChecks } from './dq-checks';
import { loadGoldModels, modelsFingerprint, orderModels } from './gold-models';
import { GoldState, GoldStateRepository } from './gold-state.repository';
import { RegistryRepository } from './registry.repository';
import {
  BuildSelection,
  DatasetFacts,
  NO_OBSERVER,
  RunCancelledError,
  RunContext,
  RunObserver,
  safeObserver,
  StepResult,
  throwIfCancelled,
} from './run-context';
import { loadSegmentConfig } from './segments';
import { SqlTrace } from './sql-trace';
import { extractStep } from './steps/extract.step';
import { goldStep } from './steps/gold.step';
import { publishStep } from './steps/publish.step';
import { assertedTables, QualityGateError, qualityStep } from './steps/quality.step';
import { silverStep } from './steps/silver.step';

export { RunCancelledError } from './run-context';
export type { BuildSelection } from './run-context';
export { QualityGateError } from './steps/quality.step';

/** Bump when the layout of the gold state changes: incremental runs then rebuild from bronze. */
export const GOLD_STATE_VERSION = 1;

/** Incremental builds patch a copy of the previous snapshot file; deleted rows leave free space
 *  DuckDB reuses only partly. Past this growth a build starts from bronze again (compact file). */
const COMPACT_GROWTH = 2;
/** Small files grow in whole blocks: below this much growth a file is never compacted. */
const COMPACT_MIN_BYTES = 64 * 1024 * 1024;

function grownPastCompaction(size: number, fullBytes: number | null): boolean {
  return fullBytes !== null && size > COMPACT_GROWTH * fullBytes && size - fullBytes > COMPACT_MIN_BYTES;
}

interface StepDefinition {
  name: string;
  weight: number;
  run(ctx: RunContext): Promise<StepResult>;
  /** Datasets to report when the step fails (lineage of a failed quality gate). */
  onFailure?(ctx: RunContext): { inputs: DatasetFacts[]; outputs: DatasetFacts[] };
}

/** The steps of a run, in order, with their share of the progress bar. */
const STEPS: StepDefinition[] = [
  { name: 'extract', weight: 0.3, run: extractStep },
  { name: 'silver', weight: 0.15, run: silverStep },
  { name: 'gold', weight: 0.35, run: goldStep },
  {
    name: 'quality',
    weight: 0.05,
    run: qualityStep,
    onFailure: (ctx) => ({ inputs: assertedTables(ctx), outputs: [] }),
  },
  { name: 'publish', weight: 0.15, run: publishStep },
];

/** What extraction read and wrote, from the run's reconciliation (lineage of the extract step). */
function extractFacts(ctx: RunContext): { inputs: DatasetFacts[]; outputs: DatasetFacts[] } {
  const inputs: DatasetFacts[] = [];
  const outputs: DatasetFacts[] = [];
  for (const { source, files, result } of ctx.extracted) {
    for (const file of files) inputs.push({ name: file.path, layer: 'landing', rows: null });
    const schema = source.columns.map((c) => ({ name: c.name, type: c.type }));
    outputs.push({ name: source.name, layer: 'bronze', rows: result.loaded, schema });
    if (result.quarantined > 0)
      outputs.push({ name: source.name, layer: 'quarantine', rows: result.quarantined });
  }
  return { inputs, outputs };
}

export interface BuildRunnerOptions {
  observer?: RunObserver;
  /** Records the run's data work (the benchmark's plain-DuckDB floor). */
  trace?: SqlTrace | null;
}

/**
 * One pipeline run: landing → bronze/quarantine → silver → gold → quality gate → publish. The
 * work happens in a private in-memory DuckDB and a private candidate snapshot; nothing outside
 * them changes until the quality gate passed: then the snapshot is made active, the gold state
 * pointer names it and the loads are committed.
 */
export class BuildRunner {
  private connection: DuckDBConnection | null = null;
  private readonly observer: RunObserver;
  private readonly trace: SqlTrace | null;

  constructor(
    private readonly config: C360Config,
    private readonly dirs: DataDirs,
    private readonly snapshots: SnapshotStore,
    private readonly runs: RunStore,
    options: BuildRunnerOptions | RunObserver = {},
  ) {
    const runnerOptions: BuildRunnerOptions =
      'observer' in options || 'trace' in options
        ? (options as BuildRunnerOptions)
        : { observer: options as RunObserver };
    this.observer = runnerOptions.observer ?? NO_OBSERVER;
    this.trace = runnerOptions.trace ?? null;
  }

  /** Interrupts the query under way; the runner notices the abort between steps. */
  interrupt(): void {
    this.connection?.interrupt();
  }

  async run(run: RunRecord, signal: AbortSignal, selection: BuildSelection = {}): Promise<RunRecord> {
    const asOf = run.as_of ? new Date(run.as_of) : new Date(run.started_at);
    run.as_of = asOf.toISOString();
    this.dirs.ensure();
    const sources = loadSourceDefinitions(this.config.configDir);
    const models = orderModels(loadGoldModels(this.config.configDir));
    const segments = loadSegmentConfig(this.config.configDir);
    const instance = await openDuckDb(':memory:');
    const raw = await connect(instance);
    const connection = this.trace ? this.trace.wrap(raw) : raw;
    this.connection = raw;
    const plan: RunPlan = {
      kind: 'full',
      reason: 'requested',
      base_snapshot_id: null,
      changed_customers: null,
    };
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
      models,
      checks: loadDqChecks(this.config.configDir),
      segments,
      extracted: [],
      snapshotId: null,
      observer: safeObserver(this.observer, (error) =>
        rootLogger().warn({ err: safeMessage(error) }, 'run observer failed'),
      ),
      gold: new GoldStateRepository(connection),
      plan,
      base: null,
      // segment rules feed customer_360: other rules, other gold
      fingerprint: modelsFingerprint(models, GOLD_STATE_VERSION, JSON.stringify(segments)),
      writer: null,
      stateCommitted: false,
      trace: this.trace,
      baseDq: null,
      goldChanged: null,
    };
    await this.notify(() => this.observer.runStarted?.(run));
    try {
      mkdirSync(this.dirs.scratch, { recursive: true });
      await execute(connection, `set temp_directory = ${quoteLiteral(this.dirs.scratch)}`);
      // one checkpoint per database at the end of the run instead of one per 16 MB of changes
      await execute(connection, "set checkpoint_threshold = '1GB'");
      await execute(connection, `set variable as_of = timestamp ${quoteLiteral(sqlTimestamp(asOf))}`);
      await execute(connection, `attach ${quoteLiteral(this.dirs.warehouseDb)} as wh`);
      await ctx.registry.ensureSchema();
      await ctx.gold.ensureSchema();
      await this.plan(ctx);
      for (const step of STEPS) await this.runStep(ctx, step);
      run.status = 'published';
      run.progress = 1;
      ctx.log.info({ snapshot_id: run.snapshot_id, build: ctx.plan.kind }, 'snapshot published');
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
      await this.discardUnpublished(ctx);
    } finally {
      this.connection = null;
      raw.closeSync();
      instance.closeSync();
      run.finished_at = new Date().toISOString();
      this.runs.save(run);
      await this.notify(() => this.observer.runFinished?.(run));
    }
    return run;
  }

  /**
   * Full or incremental: an incremental run continues from the gold state only when that state
   * was built by the same model files and its snapshot is still complete on disk; otherwise it
   * rebuilds from bronze (and says why on the run).
   */
  private async plan(ctx: RunContext): Promise<void> {
    const state: GoldState | null = await ctx.gold.read();
    let reason: string | null = null;
    if (ctx.run.mode === 'full') reason = 'requested';
    else if (!state) reason = 'no gold state yet';
    else if (state.fingerprint !== ctx.fingerprint) reason = 'gold models changed since the last build';
    else if (
      !ctx.snapshots.readManifest(state.snapshot_id) ||
      !existsSync(ctx.snapshots.serveDbPath(state.snapshot_id))
    )
      reason = `the base snapshot ${state.snapshot_id} is gone`;
    else if (
      grownPastCompaction(statSync(ctx.snapshots.serveDbPath(state.snapshot_id)).size, state.full_bytes)
    )
      reason = `compaction: the snapshot file grew past ${COMPACT_GROWTH}× its size after the last full build`;
    if (reason === null && state) {
      ctx.base = state;
      // the base's gate results count only for the same checks
      if (state.checks_fingerprint === checksFingerprint(ctx.checks))
        ctx.baseDq = this.runs.get(state.run_id)?.dq ?? null;
      ctx.plan.kind = 'incremental';
      ctx.plan.reason = 'changed customers only';
      ctx.plan.base_snapshot_id = state.snapshot_id;
    } else {
      ctx.plan.reason = reason ?? 'requested';
    }
    ctx.run.plan = ctx.plan;
    this.runs.save(ctx.run);
    ctx.log.info(
      { build: ctx.plan.kind, reason: ctx.plan.reason, base: ctx.plan.base_snapshot_id },
      'build planned',
    );
  }

  /** A run that did not publish leaves nothing behind but its quarantine (kept for inspection). */
  private async discardUnpublished(ctx: RunContext): Promise<void> {
    await ctx.writer?.abandon();
    if (ctx.stateCommitted) return; // the gold state names the snapshot: the next run continues from it
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
    if (ctx.trace) ctx.trace.step = definition.name;
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
      const result = await definition.run(ctx);
      step.rows_in = result.rowsIn;
      step.rows_out = result.rowsOut;
      step.status = 'succeeded';
      step.finished_at = new Date().toISOString();
      const facts = definition.name === 'extract' ? extractFacts(ctx) : result;
      await this.notify(() =>
        this.observer.stepFinished?.(run, definition.name, {
          status: 'succeeded',
          inputs: facts.inputs ?? [],
          outputs: facts.outputs ?? [],
        }),
      );
    } catch (error) {
      step.status = 'failed';
      step.finished_at = new Date().toISOString();
      const facts = definition.onFailure?.(ctx) ?? (definition.name === 'extract' ? extractFacts(ctx) : null);
      await this.notify(() =>
        this.observer.stepFinished?.(run, definition.name, {
          status: signal.aborted ? 'cancelled' : 'failed',
          inputs: facts?.inputs ?? [],
          outputs: facts?.outputs ?? [],
          error: signal.aborted ? 'The run was cancelled.' : safeMessage(error),
        }),
      );
      throw signal.aborted ? new RunCancelledError() : error;
    } finally {
      step.finished_at ??= new Date().toISOString();
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
