import { DuckDBConnection } from '@duckdb/node-api';
import { Logger } from 'pino';
import { DataDirs } from '../common/data-dirs';
import { C360Config } from '../config/config';
import { ExtractResult } from '../ingest/extractor';
import { LandingFile } from '../ingest/landing-files';
import { SourceDefinition } from '../ingest/source-definition';
import { RunRecord } from '../runs/run.model';
import { SnapshotStore } from '../snapshots/snapshot.store';
import { DqCheck } from './dq-checks';
import { GoldModel } from './gold-models';
import { RegistryRepository } from './registry.repository';
import { SegmentConfig } from './segments';

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
  /** Set by the publish step once the snapshot directory exists. */
  snapshotId: string | null;
  observer: RunObserver;
}

export interface StepResult {
  rowsIn: number;
  rowsOut: number;
}

/** Table-level facts a step reports, for lineage and metrics. */
export interface DatasetFacts {
  name: string;
  rows: number;
  schema?: Array<{ name: string; type: string }>;
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
      status: 'succeeded' | 'failed';
      inputs: DatasetFacts[];
      outputs: DatasetFacts[];
      error?: string;
    },
  ): void | Promise<void>;
  modelBuilt?(run: RunRecord, model: GoldModel, output: DatasetFacts, inputs: string[]): void | Promise<void>;
  runFinished?(run: RunRecord): void | Promise<void>;
}

export const NO_OBSERVER: RunObserver = {};

export class RunCancelledError extends Error {
  constructor() {
    super('the run was cancelled');
  }
}

export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new RunCancelledError();
}
