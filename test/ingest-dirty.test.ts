import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, openDuckDb, queryRows, quoteLiteral } from '../src/duckdb/duckdb';
import { generateSources, GenerateSummary } from '../src/generate/generator';
import { RunRecord } from '../src/runs/run.model';
import { PipelineHarness } from './support/pipeline-harness';

/** Gold table and key columns holding every good row of each default source. */
const GOLD_KEYS: Record<string, { table: string; key: string[] }> = {
  customers: { table: 'dim_customer', key: ['customer_id'] },
  customers_cdc: { table: 'dim_customer', key: ['customer_id'] },
  products: { table: 'dim_product', key: ['product_id'] },
  orders: { table: 'fact_orders', key: ['order_id'] },
  order_items: { table: 'fact_order_lines', key: ['order_id', 'line_no'] },
  events: { table: 'fact_events', key: ['event_id'] },
};

/** The key of a good data line, read independently of the pipeline. */
function keyOf(source: string, line: string): string {
  if (source === 'events') return String((JSON.parse(line) as { event_id: string }).event_id).trim();
  if (source === 'customers_cdc') {
    const envelope = JSON.parse(line) as {
      after?: { customer_id?: string };
      before?: { customer_id?: string };
    };
    return String(envelope.after?.customer_id ?? envelope.before?.customer_id).trim();
  }
  const fields = line.split(',').map((f) => f.replace(/^"|"$/g, '').trim());
  return source === 'order_items' ? `${fields[0]}|${Number(fields[1])}` : fields[0];
}

describe('ingest: generated batches with 1% bad rows of every kind (c360 generate --dirty 0.01)', () => {
  let harness: PipelineHarness;
  /** Batch 1 and a --changes batch 2 (where Debezium envelopes, and their faults, appear). */
  let summary: Pick<GenerateSummary, 'files' | 'expectedQuarantine'>;
  let run: RunRecord;
  let quarantined: Array<{ source: string; file: string; line: number; reason: string; run_id: string }>;

  beforeAll(async () => {
    harness = new PipelineHarness({ C360_AS_OF: '2025-01-01T00:00:00Z' });
    const options = { outDir: harness.dirs.landing, scale: 0.05, seed: 11 };
    const first = await generateSources({ ...options, changes: false, dirty: 0.01 });
    // A --changes batch carries the Debezium envelopes; it holds about 20, too few for 1% to
    // break one, so it is generated dirtier to include every envelope fault too.
    const second = await generateSources({ ...options, changes: true, dirty: 0.15 });
    summary = {
      files: [...first.files, ...second.files],
      expectedQuarantine: [...first.expectedQuarantine, ...second.expectedQuarantine],
    };
    run = await harness.build({ mode: 'full' });
    const instance = await openDuckDb(':memory:');
    const connection = await connect(instance);
    try {
      quarantined = await queryRows(
        connection,
        `select source, file, line, reason, run_id
         from read_parquet(${quoteLiteral(join(harness.dirs.quarantine, '*', '*.parquet'))})`,
      );
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
  afterAll(() => harness.cleanup());

  it('publishes, and the manifest injected bad rows of every reason', () => {
    expect(run.error).toBeNull();
    expect(run.status).toBe('published');
    const reasons = new Set(summary.expectedQuarantine.map((e) => e.reason.split(':')[0]));
    expect([...reasons].sort()).toEqual([
      'empty_line',
      'enum',
      'envelope',
      'invalid_json',
      'min',
      'pattern',
      'required',
      'type',
    ]);
  });

  it('quarantines exactly the bad rows, each with its reason, source and run id', () => {
    const expected = summary.expectedQuarantine.map((e) => `${e.file}:${e.line}:${e.reason}`).sort();
    const actual = quarantined.map((q) => `${q.file}:${q.line}:${q.reason}`).sort();
    expect(actual).toEqual(expected);
    const sourceOf = new Map(summary.files.map((f) => [f.file, f.entity]));
    for (const row of quarantined) {
      expect(row.run_id).toBe(run.id);
      expect(row.source).toBe(sourceOf.get(row.file));
    }
  });

  it('reconciles every source: read = its data lines = loaded + quarantined', () => {
    for (const source of run.sources) {
      const files = summary.files.filter((f) => f.entity === source.name);
      const lines = files.reduce((n, f) => n + f.rows, 0);
      const bad = summary.expectedQuarantine.filter((e) => files.some((f) => f.file === e.file)).length;
      expect({ source: source.name, read: source.read, quarantined: source.quarantined }).toEqual({
        source: source.name,
        read: lines,
        quarantined: bad,
      });
      expect(source.read).toBe(source.loaded + source.quarantined);
    }
  });

  it('carries every good row through silver into the gold tables', async () => {
    const bad = new Set(summary.expectedQuarantine.map((e) => `${e.file}:${e.line}`));
    for (const file of summary.files) {
      const target = GOLD_KEYS[file.entity];
      const text = readFileSync(join(harness.dirs.landing, file.file), 'utf8').split('\n');
      const first = file.file.endsWith('.csv') ? 2 : 1;
      const expected = new Set<string>();
      for (let line = first; line < first + file.rows; line++) {
        if (!bad.has(`${file.file}:${line}`)) expected.add(keyOf(file.entity, text[line - 1]));
      }
      const columns = target.key.join(` || '|' || `);
      const present = new Set(
        (await harness.snapshotRows(`select distinct ${columns} as k from ${target.table}`)).map((r) =>
          String(r.k),
        ),
      );
      const missing = [...expected].filter((key) => !present.has(key));
      expect({ file: file.file, missing }).toEqual({ file: file.file, missing: [] });
    }
  });
});
