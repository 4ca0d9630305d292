import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signToken } from '../src/auth/token';
import { RunRecord } from '../src/runs/run.model';
import { IngestConfig } from './support/ingest-config';
import { serve, Served } from './support/http';
import { CUSTOMER_HEADER, csv, PipelineHarness } from './support/pipeline-harness';

/** The default policy plus a role that may browse admin routes but sees PII partially. */
const POLICY = `version: 1
row_scope: { claim: countries }
roles:
  admin: { permissions: [read, admin, ingest, 'filter:email'], masking: clear }
  support: { permissions: [read, 'filter:email'], masking: { single: clear, list: partial } }
  analyst: { permissions: [read], masking: partial }
  data_scientist: { permissions: [read], masking: hash }
  ingest: { permissions: [ingest] }
  auditor: { permissions: [admin], masking: partial }
`;

const event = (id: string, customer: string, ts: string): Record<string, string | null> => ({
  event_id: id,
  customer_id: customer,
  event_ts: ts,
  event_type: 'page_view',
  session_id: 's1',
  device: 'web',
  product_id: null,
});

const customer = (id: string, email: string, country: string, updatedAt: string): Record<string, string> => ({
  customer_id: id,
  email,
  phone: '+49 30 1234567',
  first_name: 'Anna',
  last_name: 'Schmidt',
  country,
  updated_at: updatedAt,
});

const ms = (iso: string): number => Date.parse(iso);

describe('ingest over HTTP: events, Debezium envelopes, quarantine browsing', () => {
  let config: IngestConfig;
  let harness: PipelineHarness;
  let served: Served;
  let auditor: string;

  const post = (
    path: string,
    body: string,
    token: string | null,
    type = 'application/json',
  ): Promise<Response> =>
    fetch(`${served.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });
  const spool = (dir: string): string[] => {
    try {
      return readdirSync(join(harness.dirs.landing, '_ingest', dir)).sort();
    } catch {
      return [];
    }
  };
  const build = async (): Promise<RunRecord> => {
    const run = await harness.build();
    expect(run.error).toBeNull();
    return run;
  };

  beforeAll(async () => {
    config = new IngestConfig({}, { copyDefaults: true, policy: POLICY });
    harness = new PipelineHarness({
      C360_AS_OF: '2025-01-01T00:00:00Z',
      C360_CONFIG_DIR: config.dir,
      C360_INGEST_MAX_BYTES: '4096',
    });
    harness.land(
      'customers.csv',
      csv(CUSTOMER_HEADER, [
        'C1,anna@example.com,+49 30 5550001,Anna,Schmidt,1980-05-01,Main St 1,Berlin,BE,10115,DE,2020-01-01T00:00:00Z,true,2024-01-01T00:00:00Z',
        'C2,bob@example.com,,Bob,Brown,,,,,,FR,,,2024-01-01T00:00:00Z',
        'C3,carla@,+34 91 5550003,Carla,Diaz,,,,,,ES,,,2024-01-01T00:00:00Z',
      ]),
    );
    served = await serve(harness.config);
    auditor = await signToken(harness.config, { roles: ['auditor'], sub: 'test-auditor' });
  });

  afterAll(async () => {
    await served?.close();
    harness?.cleanup();
    config?.cleanup();
  });

  it('accepts events as a JSON array and as NDJSON, durable on disk before the 202', async () => {
    const array = [event('E1', 'C1', '2024-12-20T10:00:00Z'), event('E2', 'C2', '2024-12-21T10:00:00Z')];
    const response = await post('/v1/ingest/events', JSON.stringify(array), served.tokens.ingest);
    expect(response.status).toBe(202);
    const receipt = (await response.json()) as { source: string; accepted: number; batch: string };
    expect(receipt).toMatchObject({ source: 'events_api', accepted: 2 });
    // on disk, whole, by the time the client has the answer
    const file = join(harness.dirs.landing, '_ingest', 'events', receipt.batch);
    expect(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual(array);

    const ndjson =
      [event('E3', 'C1', '2024-12-22T10:00:00Z')].map((e) => JSON.stringify(e)).join('\n') + '\n';
    const second = await post('/v1/ingest/events', ndjson, served.tokens.ingest, 'application/x-ndjson');
    expect(second.status).toBe(202);
    expect(await second.json()).toMatchObject({ accepted: 1 });
    expect(spool('events')).toHaveLength(2);
  });

  it('answers bad lines with a 400 listing each line and reason, accepting nothing', async () => {
    const before = spool('events');
    const body = [
      JSON.stringify(event('E4', 'C1', '2024-12-23T10:00:00Z')),
      JSON.stringify({ ...event('E5', 'C1', '2024-12-23T10:00:00Z'), event_id: null }),
      '{"event_id":"E6",',
      '',
      JSON.stringify(event('E7', 'C1', 'yesterday')),
    ].join('\n');
    const response = await post('/v1/ingest/events', body, served.tokens.ingest, 'application/x-ndjson');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({
      status: 400,
      code: 'ingest_rejected',
      errors: [
        { line: 2, reason: 'required:event_id' },
        { line: 3, reason: 'invalid_json' },
        { line: 4, reason: 'empty_line' },
        { line: 5, reason: 'type:event_ts' },
      ],
    });
    expect(spool('events')).toEqual(before);
  });

  it('refuses bodies over C360_INGEST_MAX_BYTES (413), callers without the ingest permission, and empty bodies', async () => {
    const big = JSON.stringify(
      Array.from({ length: 60 }, (_, i) => event(`B${i}`, 'C1', '2024-12-01T00:00:00Z')),
    );
    expect(big.length).toBeGreaterThan(4096);
    const tooLarge = await post('/v1/ingest/events', big, served.tokens.ingest);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('content-type')).toContain('application/problem+json');
    const small = JSON.stringify([event('E8', 'C1', '2024-12-01T00:00:00Z')]);
    expect((await post('/v1/ingest/events', small, served.tokens.analyst)).status).toBe(403);
    expect((await post('/v1/ingest/events', small, null)).status).toBe(401);
    expect((await post('/v1/ingest/events', '[]', served.tokens.ingest)).status).toBe(400);
    expect((await post('/v1/ingest/cdc/nope', small, served.tokens.ingest)).status).toBe(404);
  });

  it('loads accepted events in the next incremental build; re-sent events change nothing', async () => {
    const first = await build();
    expect(first.sources.find((s) => s.name === 'events_api')).toMatchObject({
      read: 3,
      loaded: 3,
      quarantined: 0,
    });
    const events = 'select event_id, customer_id, event_ts from fact_events order by event_id';
    const loaded = await harness.snapshotRows(events);
    expect(loaded.map((r) => r.event_id)).toEqual(['E1', 'E2', 'E3']);

    const again = [event('E1', 'C1', '2024-12-20T10:00:00Z'), event('E3', 'C1', '2024-12-22T10:00:00Z')];
    expect((await post('/v1/ingest/events', JSON.stringify(again), served.tokens.ingest)).status).toBe(202);
    const second = await build();
    expect(second.sources.find((s) => s.name === 'events_api')?.read).toBe(2);
    expect(await harness.snapshotRows(events)).toEqual(loaded);
    const [c1] = await harness.snapshotRows("select events_30d from customer_360 where customer_id = 'C1'");
    expect(c1.events_30d).toBe(2);
  });

  it('applies Debezium envelopes in source order; re-sent envelopes and mid-stream snapshot rows change nothing', async () => {
    const dim =
      'select * replace (cast(customer_sk as varchar) as customer_sk) from dim_customer order by customer_id, valid_from';
    const sequence = (commit: number, lsn: number): string => JSON.stringify([String(commit), String(lsn)]);
    const source = (commit: number, lsn: number, snapshot = 'false'): Record<string, unknown> => ({
      connector: 'postgresql',
      lsn,
      sequence: sequence(commit, lsn),
      snapshot,
    });
    const moved = customer('C1', 'anna@new.example.com', 'AT', '2024-06-01T00:00:00Z');
    const envelopes = [
      {
        before: customer('C1', 'anna@example.com', 'DE', '2024-01-01T00:00:00Z'),
        after: moved,
        op: 'u',
        ts_ms: ms('2024-06-01T00:00:00Z'),
        source: source(1000, 1010),
      },
      {
        before: customer('C2', 'bob@example.com', 'FR', '2024-01-01T00:00:00Z'),
        after: null,
        op: 'd',
        ts_ms: ms('2024-07-01T00:00:00Z'),
        source: source(2000, 2010),
      },
    ];
    const accepted = await post(
      '/v1/ingest/cdc/customers_cdc',
      JSON.stringify(envelopes),
      served.tokens.ingest,
    );
    expect(accepted.status).toBe(202);
    expect(spool('cdc/customers_cdc')).toHaveLength(1);
    await build();
    const state = await harness.snapshotRows(dim);
    const c1 = state.filter((r) => r.customer_id === 'C1');
    expect(c1.map((r) => [r.email, r.country, r.valid_from, r.is_current])).toEqual([
      ['anna@example.com', 'DE', '2024-01-01T00:00:00Z', false],
      ['anna@new.example.com', 'AT', '2024-06-01T00:00:00Z', true],
    ]);
    expect(state.filter((r) => r.customer_id === 'C2').at(-1)).toMatchObject({ is_deleted: true });
    expect((await harness.snapshotRows("select 1 from customer_360 where customer_id = 'C2'")).length).toBe(
      0,
    );

    // The connector re-sends an envelope, and re-snapshots C1 mid-stream: its `r` row carries the
    // state at its position (after the update) but a later ts_ms than a change that follows it.
    const later = customer('C1', 'anna@latest.example.com', 'CH', '2024-08-01T00:00:00Z');
    const resent = [
      envelopes[0],
      {
        before: null,
        after: moved,
        op: 'r',
        ts_ms: ms('2024-09-01T00:00:00Z'),
        source: source(1500, 1500, 'true'),
      },
      { before: moved, after: later, op: 'u', ts_ms: ms('2024-08-01T00:00:00Z'), source: source(3000, 3010) },
    ];
    // …sent out of order: the position decides, not the arrival
    const body = [resent[2], resent[1], resent[0]].map((e) => JSON.stringify(e)).join('\n');
    expect(
      (await post('/v1/ingest/cdc/customers_cdc', body, served.tokens.ingest, 'application/x-ndjson')).status,
    ).toBe(202);
    await build();
    const after = await harness.snapshotRows(dim);
    expect(after.filter((r) => r.customer_id !== 'C1')).toEqual(state.filter((r) => r.customer_id !== 'C1'));
    expect(
      after.filter((r) => r.customer_id === 'C1').map((r) => [r.email, r.valid_from, r.valid_to]),
    ).toEqual([
      ['anna@example.com', '2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z'],
      ['anna@new.example.com', '2024-06-01T00:00:00Z', '2024-08-01T00:00:00Z'],
      ['anna@latest.example.com', '2024-08-01T00:00:00Z', null],
    ]);

    // the same batch once more: nothing changes at all
    expect(
      (await post('/v1/ingest/cdc/customers_cdc', body, served.tokens.ingest, 'application/x-ndjson')).status,
    ).toBe(202);
    await build();
    expect(await harness.snapshotRows(dim)).toEqual(after);

    const bad = await post(
      '/v1/ingest/cdc/customers_cdc',
      JSON.stringify([{ op: 'x', ts_ms: 1 }, { op: 'u' }]),
      served.tokens.ingest,
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      errors: [
        { line: 1, reason: 'envelope:op' },
        { line: 2, reason: 'envelope:ts_ms' },
      ],
    });
  });

  it("browses the quarantine with each row's PII masked for the caller's role", async () => {
    const admin = await served.get('/v1/admin/quarantine?source=customers');
    expect(admin.status).toBe(200);
    const clear = (await admin.json()) as {
      data: Array<Record<string, unknown>>;
      page: { next_cursor: string | null };
    };
    expect(clear.data).toEqual([
      expect.objectContaining({
        source: 'customers',
        reason: 'pattern:email',
        line: 4,
        file: 'customers.csv',
        masked: false,
        raw: 'C3,carla@,+34 91 5550003,Carla,Diaz,,,,,,ES,,,2024-01-01T00:00:00Z',
      }),
    ]);
    expect(clear.data[0].run_id).toMatch(/^r/);

    const partial = await fetch(`${served.base}/v1/admin/quarantine?source=customers`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(partial.status).toBe(200);
    const masked = (await partial.json()) as { data: Array<{ raw: string; masked: boolean }> };
    expect(masked.data[0]).toMatchObject({
      masked: true,
      raw: 'C3,c***@,***0003,C***,D***,,,,,,ES,,,2024-01-01T00:00:00Z',
    });
    expect((await served.get('/v1/admin/quarantine', 'analyst')).status).toBe(403);
    expect((await served.get('/v1/admin/quarantine?reason=required&limit=1')).status).toBe(200);
    expect((await served.get('/v1/admin/quarantine?cursor=bogus')).status).toBe(400);
  });

  it('pages through the quarantine with an opaque cursor', async () => {
    const lines = Array.from(
      { length: 5 },
      (_, i) => `{"event_id":"Q${i}","customer_id":"C1","event_ts":"bad-${i}"}`,
    );
    harness.land('events.ndjson', `${lines.join('\n')}\n`);
    const run = await build();
    expect(run.sources.find((s) => s.name === 'events')).toMatchObject({ read: 5, quarantined: 5 });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const response = await served.get(
        `/v1/admin/quarantine?source=events&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      const page = (await response.json()) as {
        data: Array<{ line: number; reason: string }>;
        page: { next_cursor: string | null };
      };
      seen.push(...page.data.map((r) => r.line));
      expect(page.data.every((r) => r.reason === 'type:event_ts')).toBe(true);
      cursor = page.page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([1, 2, 3, 4, 5]);

    const record = await served.get(`/v1/admin/runs/${run.id}`);
    expect(((await record.json()) as RunRecord).sources.find((s) => s.name === 'events')).toMatchObject({
      read: 5,
      loaded: 0,
      quarantined: 5,
    });
  });
});
