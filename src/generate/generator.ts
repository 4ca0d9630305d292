/**
 * `c360 generate`: deterministic sample sources for the landing zone (SPEC §1, §3).
 * Batch 1 is the initial export; each `changes` run writes only the next batch n as new
 * files beside the first, computed from (seed, scale, n) alone. Every run also writes
 * `_generated/batch-000n.json`, the manifest tests use as the expected outcome.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeBatch, type SourceEntity } from './batch-writer';
import { ChangeState } from './change-plan';
import { isoTimestamp, pad } from './format';
import { GenerateOptionsError, GenerateStateError } from './generate.errors';
import { ANCHOR_SEC, batchWindow, customerKey, orderKey, productKey, SampleWorld } from './sample-world';

export type { SourceEntity } from './batch-writer';
export {
  GenerateError,
  GenerateOptionsError,
  GenerateStateError,
  type GenerateErrorCode,
} from './generate.errors';

export interface GenerateOptions {
  outDir: string;
  scale: number;
  seed: number;
  changes: boolean;
  /** Rate of bad rows (and, separately, of benign extra rows) per file, 0..1. */
  dirty: number;
}

export interface GeneratedFile {
  /** Basename inside outDir. */
  file: string;
  entity: SourceEntity;
  /** Data records: physical lines after the header, dirty rows included. */
  rows: number;
}

/** Per-file detail of the manifest. */
export interface GeneratedFileStats extends GeneratedFile {
  /** Rows of the clean data set (what `dirty: 0` writes). */
  cleanRows: number;
  /** Rows the pipeline must quarantine (all listed in expectedQuarantine). */
  badRows: number;
  /** Exact copies of a good line: not errors, collapse in silver. */
  duplicateRows: number;
  /** Copies of a good row whose values need trimming/case normalisation: not errors. */
  normalisedRows: number;
  /** Orders of customers that do not exist: valid, stay in silver, reported by a warn check. */
  unknownCustomerRows: number;
}

export interface ExpectedQuarantine {
  file: string;
  /** Physical 1-based line (CSV header = line 1). */
  line: number;
  reason: string;
}

export interface GenerateManifest {
  options: { seed: number; scale: number; changes: boolean; dirty: number; batch: number };
  batch: number;
  /** Fixed time anchor of batch 1 (never the wall clock). */
  anchor: string;
  /** Change times of this batch lie in (from, to]; batch 1: everything up to the anchor. */
  window: { from: string; to: string };
  files: GeneratedFileStats[];
  expectedQuarantine: ExpectedQuarantine[];
  /** Customers whose tracked attributes change in this batch (CSV or Debezium update). */
  changedCustomerIds: string[];
  /** Customers deleted by a Debezium `d` envelope in this batch. */
  deletedCustomerIds: string[];
  /** Customers created in this batch (batch 1: see `population`, the whole initial set). */
  newCustomerIds: string[];
  /** Existing orders that get a new status (same order_id, later updated_at). */
  changedOrderIds: string[];
  /** Orders created in this batch (batch 1: see `population`). */
  newOrders: number;
  /** Products with a new unit_price. */
  changedProductIds: string[];
  duplicateRows: number;
  normalisedRows: number;
  unknownCustomerOrders: number;
  unknownCustomerOrderIds: string[];
  /** Clean population once this batch is applied. */
  population: {
    /** Customer ids issued so far: C00000001 … customers. */
    customers: number;
    deletedCustomers: number;
    /** Not deleted: the expected customer_360 row count. */
    activeCustomers: number;
    products: number;
    /** Order ids issued so far (unknown-customer dirty orders not included). */
    orders: number;
  };
}

export interface GenerateSummary extends GenerateManifest {
  manifestPath: string;
}

export const MANIFEST_DIR = '_generated';
const MAX_SCALE = 100;
const MAX_BATCH = 9999;

export async function generateSources(options: GenerateOptions): Promise<GenerateSummary> {
  validateOptions(options);
  const outDir = resolve(options.outDir);
  await mkdir(join(outDir, MANIFEST_DIR), { recursive: true });
  const highest = await highestBatch(outDir);
  let batch = 1;
  if (options.changes) {
    if (highest < 1) {
      throw new GenerateStateError(
        'no_first_batch',
        `--changes needs batch 1 in ${outDir}; run generate without --changes first`,
      );
    }
    batch = highest + 1;
    if (batch > MAX_BATCH)
      throw new GenerateStateError('batch_conflict', `${outDir} already holds ${highest} batches`);
    await checkFirstBatchOptions(outDir, options);
  } else if (highest > 1) {
    throw new GenerateStateError(
      'batch_conflict',
      `${outDir} already holds batches up to ${highest}; use --changes for the next one or a fresh directory`,
    );
  }

  // Re-derive every earlier batch's changes so batch n starts from the true current state.
  const world = new SampleWorld(options.seed, options.scale);
  const state = new ChangeState(world);
  let changes = state.advance(1);
  for (let b = 2; b <= batch; b++) changes = state.advance(b);

  const output = await writeBatch({ dir: outDir, world, changes, dirty: options.dirty });
  const window = batchWindow(batch);
  const sortIds = (ids: string[]): string[] => ids.sort();
  const sum = (pick: (f: GeneratedFileStats) => number): number =>
    output.files.reduce((n, f) => n + pick(f), 0);
  const newOrders = batch === 1 ? 0 : world.ordersThrough(batch) - world.ordersThrough(batch - 1);
  const manifest: GenerateManifest = {
    options: {
      seed: options.seed,
      scale: options.scale,
      changes: options.changes,
      dirty: options.dirty,
      batch,
    },
    batch,
    anchor: isoTimestamp(ANCHOR_SEC),
    window: { from: isoTimestamp(window.from), to: isoTimestamp(window.to) },
    files: output.files.map((f) => ({ ...f })),
    expectedQuarantine: output.expected.map((e) => ({ ...e })),
    changedCustomerIds: sortIds([...changes.csvUpdates, ...changes.cdcUpdates].map((u) => u.after.id)),
    deletedCustomerIds: sortIds(changes.cdcDeletes.map((d) => d.before.id)),
    newCustomerIds: changes.newCustomers.map((c) => c.id),
    changedOrderIds: changes.statusChanges.map((o) => o.id),
    newOrders,
    changedProductIds: changes.priceChanges.map((p) => p.id),
    duplicateRows: sum((f) => f.duplicateRows),
    normalisedRows: sum((f) => f.normalisedRows),
    unknownCustomerOrders: output.unknownCustomerOrderIds.length,
    unknownCustomerOrderIds: [...output.unknownCustomerOrderIds],
    population: {
      customers: world.customersThrough(batch),
      deletedCustomers: world.deletedAt.size,
      activeCustomers: world.customersThrough(batch) - world.deletedAt.size,
      products: world.sizes.products,
      orders: world.ordersThrough(batch),
    },
  };
  const manifestPath = join(outDir, MANIFEST_DIR, manifestName(batch));
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { ...manifest, manifestPath };
}

export function manifestName(batch: number): string {
  return `batch-${pad(batch, 4)}.json`;
}

function validateOptions(options: GenerateOptions): void {
  const { outDir, scale, seed, dirty, changes } = options;
  if (typeof outDir !== 'string' || outDir.trim() === '') {
    throw new GenerateOptionsError('outDir must be a non-empty path');
  }
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
    throw new GenerateOptionsError(`scale must be a finite number > 0, got ${String(scale)}`);
  }
  if (scale > MAX_SCALE) throw new GenerateOptionsError(`scale must be at most ${MAX_SCALE}, got ${scale}`);
  if (Math.round(100_000 * scale) < 1) {
    throw new GenerateOptionsError(
      `scale ${scale} is too small: it must yield at least one customer (≥ 0.00001)`,
    );
  }
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new GenerateOptionsError(`seed must be an integer, got ${String(seed)}`);
  }
  if (typeof dirty !== 'number' || !Number.isFinite(dirty) || dirty < 0 || dirty > 1) {
    throw new GenerateOptionsError(`dirty must be a rate between 0 and 1, got ${String(dirty)}`);
  }
  if (typeof changes !== 'boolean') throw new GenerateOptionsError('changes must be true or false');
}

const DATA_FILE =
  /^(?:customers|products|orders|order_items)(?:-(\d{4}))?\.csv$|^(?:events|customers)(?:-(\d{4}))?(?:\.debezium)?\.ndjson$/;
const MANIFEST_FILE = /^batch-(\d{4})\.json$/;

/** Highest batch present in outDir (0 when none), from data files and manifests. */
async function highestBatch(outDir: string): Promise<number> {
  let highest = 0;
  for (const name of await readdir(outDir)) {
    const match = DATA_FILE.exec(name);
    if (match) highest = Math.max(highest, Number(match[1] ?? match[2] ?? 1));
  }
  for (const name of await readdir(join(outDir, MANIFEST_DIR))) {
    const match = MANIFEST_FILE.exec(name);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return highest;
}

/** Batch n only continues batch 1 when both come from the same seed and scale. */
async function checkFirstBatchOptions(outDir: string, options: GenerateOptions): Promise<void> {
  let text: string;
  try {
    text = await readFile(join(outDir, MANIFEST_DIR, manifestName(1)), 'utf8');
  } catch {
    return; // data files without a manifest: trust the caller
  }
  const parsed: unknown = JSON.parse(text);
  const first = isRecord(parsed) && isRecord(parsed.options) ? parsed.options : null;
  if (first && (first.seed !== options.seed || first.scale !== options.scale)) {
    throw new GenerateStateError(
      'options_mismatch',
      `batch 1 in ${outDir} was generated with seed ${String(first.seed)} and scale ${String(first.scale)}; ` +
        `--changes must use the same (got seed ${options.seed}, scale ${options.scale})`,
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Key helpers for callers that reason about generated ids (tests, demo output).
export { customerKey, orderKey, productKey };
