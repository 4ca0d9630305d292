import { DuckDBConnection } from '@duckdb/node-api';
import { Logger } from 'pino';
import { DataDirs } from '../common/data-dirs';
import { C360Config } from '../config/config';
import { ExtractResult } from '../ingest/extractor';
import { LandingFile } from '../ingest/landing-files';
import { SourceDefinition } from '../ingest/source-definition';
import { DqResult, RunPlan, RunRecord } from '../runs/run.model';
import { SnapshotStore } from '../snapshots/snapshot.store';
import { SnapshotWriter } from '../snapshots/snapshot-writer';
import { DqCheck } from './dq-checks';
import { GoldModel } from './gold-models';
import { GoldState, GoldStateRepository } from './gold-state.repository';
import { RegistryRepository } from './registry.repository';
import { SegmentConfig } from './segments';
import { SqlTrace } from './sql-trace';

export interface BuildSelection {
  /** Limit extraction to these sources (all when empty). */
  sources?: string[];
  /** Backfill: re-extract source data whose watermark lies in [from, to). */
  window?: { from: Date; to: Date };
}

export interface ExtractedSource {
  source: SourceDefinition;
  files: LandingFile[];
  result: ExtractResult;
}

/** Everything the steps of one run share. */
export interface RunContext {
  run: RunRecord;
  config: C360Config;
  dirs: DataDirs;
  snapshots: SnapshotStore;
  connection: DuckDBConnection;
  registry: RegistryRepository;
  signal: AbortSignal;
  log: Logger;
  asOf: Date;
  selection: BuildSelection;
  /** Every declared source; `selected` are the ones this run extracts. */
  sources: SourceDefinition[];
  selected: SourceDefinition[];
  models: GoldModel[];
  checks: DqCheck[];
  segments: SegmentConfig;
  extracted: ExtractedSource[];
  /** Set by the gold step once the candidate snapshot directory exists. */
  snapshotId: string | null;
  observer: RunObserver;
  /** The gold state pointer in the warehouse database. */
  gold: GoldStateRepository;
  /** How this run builds gold (decided before the first step). */
  plan: RunPlan;
  /** The state an incremental run continues from (null for a full build). */
  base: GoldState | null;
  /** modelsFingerprint of this run's model files. */
  fingerprint: string;
  /** The candidate snapshot, open from the gold step until publish. */
  writer: SnapshotWriter | null;
  /** Set once the gold state pointer names this run's snapshot: it must then be kept. */
  stateCommitted: boolean;
  /** Records the run's data work for the benchmark's plain-DuckDB floor. */
  trace: SqlTrace | null;
  /** The quality results of the run that built the base snapshot (incremental runs). */
  baseDq: DqResult[] | null;
  /** Gold models an incremental run changed (set by the gold step; the rest equal the base
   *  snapshot's, so the serving store keeps their rows); null for a full build. */
  goldChanged: Set<string> | null;
}

export interface StepResult {
  rowsIn: number;
  rowsOut: number;
  /** What the step read and wrote, for lineage (the runner derives extract's from the run). */
  inputs?: DatasetFacts[];
  outputs?: DatasetFacts[];
}

/** Where a dataset lives: landing files, the lake (bronze/quarantine Parquet), the run's silver,
 *  the gold snapshot. */
export type DatasetLayer = 'landing' | 'bronze' | 'quarantine' | 'silver' | 'gold';

/** Table-level facts a step reports, for lineage and metrics. */
export interface DatasetFacts {
  name: string;
  layer?: DatasetLayer;
  /** Rows written (outputs) or read (inputs); null when not counted. */
  rows: number | null;
  schema?: Array<{ name: string; type: string }>;
  /** Data-quality results on this dataset (gold tables, after the quality step). */
  assertions?: Array<{ check: string; column?: string; passed: boolean; severity: string }>;
}

/**
 * Hooks into a run (lineage, metrics, alerts). Every method is optional and must not throw: an
 * observer failing never fails a build.
 */
export interface RunObserver {
  runStarted?(run: RunRecord): void | Promise<void>;
  stepStarted?(run: RunRecord, step: string): void | Promise<void>;
  stepFinished?(
    run: RunRecord,
    step: string,
    outcome: {
      status: 'succeeded' | 'failed' | 'cancelled';
      inputs: DatasetFacts[];
      outputs: DatasetFacts[];
      error?: string;
    },
  ): void | Promise<void>;
  modelStarted?(run: RunRecord, model: GoldModel): void | Promise<void>;
  modelBuilt?(
    run: RunRecord,
    model: GoldModel,
    outcome: {
      status: 'succeeded' | 'failed' | 'cancelled';
      output: DatasetFacts;
      inputs: DatasetFacts[];
      error?: string;
    },
  ): void | Promise<void>;
  runFinished?(run: RunRecord): void | Promise<void>;
}

export const NO_OBSERVER: RunObserver = {};

/** An observer whose failures are logged and swallowed: observers never fail a build. */
export function safeObserver(observer: RunObserver, onError: (error: unknown) => void): RunObserver {
  const guard =
    <A extends unknown[]>(call: ((...args: A) => void | Promise<void>) | undefined) =>
    async (...args: A): Promise<void> => {
      try {
        await call?.apply(observer, args);
      } catch (error) {
        onError(error);
      }
    };
  return {
    runStarted: guard(observer.runStarted),
    stepStarted: guard(observer.stepStarted),
    stepFinished: guard(observer.stepFinished),
    modelStarted: guard(observer.modelStarted),
    modelBuilt: guard(observer.modelBuilt),
    runFinished: guard(observer.runFinished),
  };
}

/** Several observers as one, called in order. */
export function combineObservers(observers: RunObserver[]): RunObserver {
  const each =
    <K extends keyof RunObserver>(key: K) =>
    async (...args: Parameters<NonNullable<RunObserver[K]>>): Promise<void> => {
      for (const observer of observers) {
        const method = observer[key] as ((...a: typeof args) => void | Promise<void>) | undefined;
        await method?.apply(observer, args);
      }
    };
  return {
    runStarted: each('runStarted'),
    stepStarted: each('stepStarted'),
    stepFinished: each('stepFinished'),
    modelStarted: each('modelStarted'),
    modelBuilt: each('modelBuilt'),
    runFinished: each('runFinished'),
  };
}

export class RunCancelledError extends Error {
  constructor() {
    super('the run was cancelled');
  }
}

/** Work the framework does for itself (counts, schemas): left out of the benchmark's floor. */
export function bookkeeping<T>(ctx: Pick<RunContext, 'trace'>, work: () => Promise<T>): Promise<T> {
  return ctx.trace ? ctx.trace.untraced(work) : work();
}

export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new RunCancelledError();
}
