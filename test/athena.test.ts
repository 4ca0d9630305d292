import {
  AthenaClient,
  ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetQueryResultsCommandOutput,
  Row as AthenaResultRow,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { createHmac } from 'node:crypto';
import { AthenaQueryRunner, AthenaSettings, mapValue } from '../src/athena/athena-client';
import { AthenaCustomersRepository } from '../src/athena/athena-customers.repository';
import { AthenaEngine, AthenaSnapshotPointer } from '../src/athena/athena-engine';
import { athenaCaller, AthenaMasking } from '../src/athena/athena-masking';
import { loadPolicy } from '../src/auth/policy';
import { Principal } from '../src/auth/principal';
import { RowScope } from '../src/auth/row-scope';
import { C360Error, ErrorCode } from '../src/common/errors';
import { setLogLevel } from '../src/common/logger';
import { PACKAGE_ROOT } from '../src/config/config';
import { CustomerSort } from '../src/customers/customer-sort';
import { CUSTOMER_COLUMNS } from '../src/customers/models/customer.model';
import { generateSources } from '../src/generate/generator';
import { MaskingService } from '../src/masking/masking.service';
import { PiiClassification } from '../src/masking/pii-classification';
import { markSqlMasked } from '../src/masking/sql-masked';
import { ServedSnapshot } from '../src/serving/served-snapshot';
import { runCli } from './support/cli';
import { serve, Served } from './support/http';
import { PipelineHarness } from './support/pipeline-harness';

const athena = mockClient(AthenaClient);
const glue = mockClient(GlueClient);

const SETTINGS: AthenaSettings = {
  workgroup: 'c360-wg',
  database: 'c360_gold',
  outputLocation: 's3://results-bucket/athena/',
  pollInitialMs: 1,
  pollMaxMs: 8,
  timeoutMs: 2000,
  resultReuseMinutes: 0,
};

const column = (Name: string, Type: string): ColumnInfo => ({ Name, Type, Label: Name });
const dataRow = (values: Array<string | null>): AthenaResultRow => ({
  Data: values.map((v) => (v === null ? {} : { VarCharValue: v })),
});

/** GetQueryResults pages: the header row first on page one, as Athena sends it. */
function pagesOf(
  columns: ColumnInfo[],
  rows: Array<Array<string | null>>,
  perPage: number,
): GetQueryResultsCommandOutput[] {
  const header = dataRow(columns.map((c) => c.Name ?? ''));
  const all = [header, ...rows.map(dataRow)];
  const pages: GetQueryResultsCommandOutput[] = [];
  for (let i = 0; i < all.length; i += perPage) {
    pages.push({
      $metadata: {},
      ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: all.slice(i, i + perPage) },
      NextToken: i + perPage < all.length ? `token-${i + perPage}` : undefined,
    });
  }
  return pages;
}

function succeedWith(pages: GetQueryResultsCommandOutput[]): void {
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
  athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
  const byToken = new Map(pages.map((page, i) => [i === 0 ? undefined : pages[i - 1].NextToken, page]));
  athena
    .on(GetQueryResultsCommand)
    .callsFake((input: { NextToken?: string }) => byToken.get(input.NextToken));
}

const policy = loadPolicy(PACKAGE_ROOT);
const classification = PiiClassification.fromConfigDir(PACKAGE_ROOT);
const MASKING_KEY = 'masking-key-for-athena-tests';
const masking = new MaskingService(policy, classification, MASKING_KEY);
const principal = (role: string, countries: string[] | null = null): Principal => ({
  sub: `t-${role}`,
  roles: [role],
  permissions: policy.permissionsFor([role]),
  countries,
});

describe('Athena query runner (aws-sdk-client-mock)', () => {
  beforeAll(() => setLogLevel('silent'));
  beforeEach(() => {
    athena.reset();
    glue.reset();
  });

  it('starts the query with its parameters, workgroup, database, output location and result reuse', async () => {
    succeedWith(pagesOf([column('n', 'integer')], [['1']], 10));
    const runner = new AthenaQueryRunner(new AthenaClient({ region: 'eu-west-1' }), {
      ...SETTINGS,
      resultReuseMinutes: 15,
    });
    await runner.query({ sql: 'select 1 as n where ? = ?', params: ["'a'", '2'] });
    const [call] = athena.commandCalls(StartQueryExecutionCommand);
    expect(call.args[0].input).toEqual({
      QueryString: 'select 1 as n where ? = ?',
      ExecutionParameters: ["'a'", '2'],
      WorkGroup: 'c360-wg',
      QueryExecutionContext: { Database: 'c360_gold' },
      ResultConfiguration: { OutputLocation: 's3://results-bucket/athena/' },
      ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 15 } },
    });
    athena.reset();
    succeedWith(pagesOf([column('n', 'integer')], [], 10));
    const noReuse = new AthenaQueryRunner(new AthenaClient({ region: 'eu-west-1' }), SETTINGS);
    expect(await noReuse.query({ sql: 'select 1 as n', params: [] })).toEqual([]);
    const input = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(input.ResultReuseConfiguration).toBeUndefined();
    expect(input.ExecutionParameters).toBeUndefined();
  });

  it('binds every request value as an ExecutionParameter and masks and scopes in the SQL', async () => {
    succeedWith(pagesOf([column('customer_id', 'varchar')], [], 10));
    glue
      .on(GetTableCommand)
      .resolves({ Table: { Name: 'customer_360', Parameters: { 'c360.snapshot_id': 'snap-1' } } });
    const engine = new AthenaEngine(
      new AthenaQueryRunner(new AthenaClient({ region: 'eu-west-1' }), SETTINGS),
      new AthenaMasking(masking, classification, MASKING_KEY),
      new AthenaSnapshotPointer(new GlueClient({ region: 'eu-west-1' }), 'c360_gold'),
    );
    const repository = new AthenaCustomersRepository(engine);
    const snapshot = { id: 'snap-1', asOf: '2025-01-01T06:00:00Z' } as ServedSnapshot;
    const hostile = "x' or '1'='1";
    await athenaCaller.run({ principal: principal('analyst'), kind: 'list' }, () =>
      repository.list(
        snapshot,
        {
          segments: ['champions', hostile],
          country: 'DE',
          minLtv: '10.50',
          lastOrderAfter: '2024-06-01T00:00:00Z',
          email: "o'brien@example.com",
        },
        RowScope.of(principal('analyst', ['DE', 'FR'])),
        {
          sort: CustomerSort.LifetimeValueDesc,
          after: { value: '99.99', customerId: 'C-42' },
          limit: 51,
        },
      ),
    );
    const input = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(input.ExecutionParameters).toEqual([
      "'DE'",
      "'FR'",
      "'champions'",
      "'x'' or ''1''=''1'",
      "'DE'",
      "'10.50'",
      "'2024-06-01 00:00:00'",
      "'o''brien@example.com'",
      "'99.99'",
      "'99.99'",
      "'C-42'",
    ]);
    const sql = input.QueryString ?? '';
    for (const value of [hostile, 'champions', 'brien', '10.50', '2024-06-01', '99.99', 'C-42', "'DE'"]) {
      expect(sql).not.toContain(value);
    }
    expect(sql.split('?')).toHaveLength((input.ExecutionParameters ?? []).length + 1);
    // Row scope in the WHERE, masking in the SELECT: analyst lists are `partial`.
    expect(sql).toContain('country in (?, ?)');
    expect(sql).toContain("concat(substr(trim(cast(email as varchar)), 1, 1), '***@'");
    expect(sql).toContain("then '' end) end) as street");
    expect(sql).toContain('limit 51');
    expect(sql).toContain('customer_360.email = ?');

    // data_scientist: HMAC-SHA256 in Trino with the masking key as a parameter, never in the text.
    athena.reset();
    succeedWith(pagesOf([column('customer_id', 'varchar')], [], 10));
    await athenaCaller.run({ principal: principal('data_scientist'), kind: 'list' }, () =>
      repository.findById(snapshot, 'C-1', RowScope.unrestricted()),
    );
    const hashed = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(hashed.QueryString).toContain(
      'lower(to_hex(hmac_sha256(to_utf8(lower(trim(cast(email as varchar)))), to_utf8(?))))',
    );
    expect(hashed.QueryString).not.toContain(MASKING_KEY);
    expect(hashed.ExecutionParameters).toContain(`'${MASKING_KEY}'`);
    // admin: clear columns, no key sent at all.
    athena.reset();
    succeedWith(pagesOf([column('customer_id', 'varchar')], [], 10));
    await athenaCaller.run({ principal: principal('admin'), kind: 'list' }, () =>
      repository.findById(snapshot, 'C-1', RowScope.unrestricted()),
    );
    const clear = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(clear.ExecutionParameters).toEqual(["'C-1'"]);
    expect(clear.QueryString).toContain(
      `select ${CUSTOMER_COLUMNS.join(', ').replace('customer_sk', 'cast(customer_sk as varchar) as customer_sk')} from`,
    );
    // No caller context (never expected on a request path): PII redacted.
    athena.reset();
    succeedWith(pagesOf([column('customer_id', 'varchar')], [], 10));
    await repository.findById(snapshot, 'C-1', RowScope.unrestricted());
    const outside = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.QueryString ?? '';
    expect(outside).toContain('cast(null as varchar) as email');
    // A scope with no countries reads nothing.
    athena.reset();
    succeedWith(pagesOf([column('total', 'bigint')], [['0']], 10));
    await repository.count(snapshot, {}, RowScope.of(principal('analyst', [])));
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.QueryString).toContain(
      'where false',
    );
  });

  it('MaskingService leaves rows the SQL masked for the same strategies as they are, and refuses others', () => {
    const analyst = principal('analyst');
    const sqlMasked = markSqlMasked(
      { email: 'a***@example.com', phone: '***4567' },
      masking.strategiesFor(analyst, 'list'),
    );
    // `***4567` masked again would become `***`: the bytes Athena wrote are what goes out.
    expect(masking.maskRecord(sqlMasked, analyst, 'list')).toEqual({
      email: 'a***@example.com',
      phone: '***4567',
    });
    // Masked for another route kind or role: never re-masked or passed on, an internal error.
    const forSupportSingle = markSqlMasked(
      { email: 'x@example.com' },
      masking.strategiesFor(principal('support'), 'single'),
    );
    expect(() => masking.maskRecord(forSupportSingle, principal('support'), 'list')).toThrow(C360Error);
    // Redacted rows (no caller context) may pass to anyone: they show less, never more.
    const redacted = markSqlMasked({ email: null }, masking.strategiesFor(null, 'list'));
    expect(masking.maskRecord(redacted, principal('admin'), 'single')).toEqual({ email: null });
    // The mark never reaches JSON.
    expect(JSON.stringify(sqlMasked)).toBe('{"email":"a***@example.com","phone":"***4567"}');
  });

  it('reads every page of the results (NextToken), the header row only once', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => [`C-${i}`, String(i * 10)]);
    const pages = pagesOf([column('customer_id', 'varchar'), column('orders', 'bigint')], rows, 3);
    expect(pages).toHaveLength(4);
    succeedWith(pages);
    const runner = new AthenaQueryRunner(new AthenaClient({ region: 'eu-west-1' }), SETTINGS);
    const result = await runner.query({ sql: 'select customer_id, orders from t', params: [] });
    expect(result).toEqual(rows.map(([id, n]) => ({ customer_id: id, orders: Number(n) })));
    const calls = athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken);
    expect(calls).toEqual([undefined, 'token-3', 'token-6', 'token-9']);
  });

  it('maps every column type we serve to what the DuckDB repositories return', () => {
    const cases: Array<[string, string | undefined, unknown]> = [
      ['varchar', 'abc', 'abc'],
      ['varchar', '', ''],
      ['varchar', undefined, null],
      ['bigint', '9007199254740991', 9007199254740991],
      ['integer', '-12', -12],
      ['smallint', '7', 7],
      ['tinyint', '1', 1],
      ['double', '0.125', 0.125],
      ['real', '1.5', 1.5],
      ['decimal', '1234.50', 1234.5],
      ['decimal', '-0.01', -0.01],
      ['boolean', 'true', true],
      ['boolean', 'false', false],
      ['boolean', undefined, null],
      ['date', '2024-02-29', '2024-02-29'],
      ['timestamp', '2024-02-29 13:45:01.000', '2024-02-29T13:45:01Z'],
      ['timestamp', '2024-02-29 13:45:01.120', '2024-02-29T13:45:01.12Z'],
      ['timestamp', '2024-02-29 13:45:01', '2024-02-29T13:45:01Z'],
      ['timestamp', undefined, null],
    ];
    for (const [type, text, expected] of cases) {
      expect({ type, text, value: mapValue(text, column('c', type)) }).toEqual({
        type,
        text,
        value: expected,
      });
    }
  });

  it('answers a failed or cancelled query with a typed 502 that holds no SQL or AWS detail', async () => {
    for (const state of ['FAILED', 'CANCELLED'] as const) {
      athena.reset();
      athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-bad' });
      athena
        .on(GetQueryExecutionCommand)
        .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
        .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
        .resolves({
          QueryExecution: {
            Status: {
              State: state,
              StateChangeReason: "SYNTAX_ERROR: line 1:8: Column 'secret_col' cannot be resolved",
              AthenaError: { ErrorCategory: 2, ErrorType: 1006 },
            },
          },
        });
      const runner = new AthenaQueryRunner(new AthenaClient({ region: 'eu-west-1' }), SETTINGS);
      const error = await runner
        .query({ sql: 'select secret_col from t', params: [] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(C360Error);
      expect((error as C360Error).code).toBe(ErrorCode.QueryFailed);
      expect((error as C360Error).status).toBe(502);
      expect((error as C360Error).detail).not.toMatch(/secret_col|SYNTAX|select|q-bad/i);
      expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(3);
      expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
    }
  });

  it('stops a query that outlives the timeout (StopQueryExecution) and answers 504; polls back off', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-slow' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});
    const runner = new AthenaQueryRunner(new AthenaClient({ region: 'eu-west-1' }), {
      ...SETTINGS,
      pollInitialMs: 5,
      pollMaxMs: 40,
      timeoutMs: 300,
    });
    const started = Date.now();
    const error = await runner.query({ sql: 'select 1', params: [] }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect((error as C360Error).code).toBe(ErrorCode.QueryTimeout);
    expect((error as C360Error).status).toBe(504);
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(2000);
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { QueryExecutionId: 'q-slow' },
    ]);
    // 5, 10, 20, 40, 40, … ms: about 10 polls in 300 ms, not 60 as a fixed 5 ms poll would make.
    const polls = athena.commandCalls(GetQueryExecutionCommand).length;
    expect(polls).toBeGreaterThanOrEqual(5);
    expect(polls).toBeLessThanOrEqual(14);
  });
});

describe('C360_ENGINE=athena configuration', () => {
  it('is accepted by `c360 serve`, which names the Athena variable it still needs', () => {
    const result = runCli(['serve'], {
      AUTH_JWT_SECRET: 'secret-for-the-config-check-0123',
      C360_ENGINE: 'athena',
      ATHENA_OUTPUT_LOCATION: 's3://results/',
      AWS_REGION: 'eu-west-1',
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim()).toBe(
      'c360: configuration error: ATHENA_DATABASE: is required when C360_ENGINE=athena',
    );
  });
});

describe('Athena engine behind the API (C360_ENGINE=athena, AWS mocked)', () => {
  let harness: PipelineHarness;
  let served: Served;
  let snapshotId: string;

  beforeAll(async () => {
    setLogLevel('silent');
    harness = new PipelineHarness({
      LOG_LEVEL: 'silent',
      C360_ENGINE: 'athena',
      ATHENA_DATABASE: 'c360_gold',
      ATHENA_OUTPUT_LOCATION: 's3://results-bucket/athena/',
      AWS_REGION: 'eu-west-1',
      ATHENA_POLL_MS: '10',
      ATHENA_QUERY_TIMEOUT: '1s',
      C360_MASKING_KEY: MASKING_KEY,
      C360_RESPONSE_CACHE_MB: '0',
    });
    await generateSources({ outDir: harness.dirs.landing, scale: 0.001, seed: 3, changes: false, dirty: 0 });
    const run = await harness.build({ mode: 'full', asOf: new Date('2025-01-01T06:00:00Z') });
    expect(run.status).toBe('published');
    snapshotId = run.snapshot_id ?? '';
    harness.config.assertServable();
    served = await serve(harness.config);
  });
  afterAll(async () => {
    await served?.close();
    harness.cleanup();
  });
  beforeEach(() => {
    athena.reset();
    glue.reset();
    glue
      .on(GetTableCommand)
      .resolves({ Table: { Name: 'customer_360', Parameters: { 'c360.snapshot_id': snapshotId } } });
  });

  const CUSTOMER_TYPES: Record<string, string> = {
    customer_sk: 'varchar',
    birth_date: 'varchar',
    signup_at: 'timestamp',
    marketing_opt_in: 'boolean',
    profile_valid_from: 'timestamp',
    orders_count: 'integer',
    lifetime_value: 'decimal',
    avg_order_value: 'decimal',
    first_order_at: 'timestamp',
    last_order_at: 'timestamp',
    recency_days: 'integer',
    r_score: 'integer',
    f_score: 'integer',
    m_score: 'integer',
    events_30d: 'integer',
    last_seen_at: 'timestamp',
  };
  const customerColumns = CUSTOMER_COLUMNS.map((name) => column(name, CUSTOMER_TYPES[name] ?? 'varchar'));
  function customerRow(overrides: Record<string, string | null>): Array<string | null> {
    const base: Record<string, string | null> = {
      customer_id: 'C00000001',
      customer_sk: '123456789012345678',
      country: 'DE',
      orders_count: '3',
      lifetime_value: '120.50',
      avg_order_value: '40.17',
      last_order_at: '2024-12-01 10:00:00.000',
      recency_days: '30',
      segment: 'loyal',
      events_30d: '2',
      marketing_opt_in: 'true',
    };
    return CUSTOMER_COLUMNS.map((name) => (name in overrides ? overrides[name] : (base[name] ?? null)));
  }

  it('serves REST reads from Athena with the snapshot header; values masked in SQL are not masked twice', async () => {
    // What Athena returns for an analyst is already `partial`: a second pass would turn the phone
    // `***4567` into `***` and re-mask nothing else; the response must carry these bytes as they are.
    succeedWith(
      pagesOf(
        customerColumns,
        [customerRow({ email: 'a***@example.com', phone: '***4567', first_name: 'J***' })],
        10,
      ),
    );
    const response = await served.get('/v1/customers?limit=1&country=DE', 'analyst');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-c360-snapshot')).toBe(snapshotId);
    const body = (await response.json()) as { data: Array<Record<string, unknown>> };
    expect(body.data[0]).toMatchObject({
      customer_id: 'C00000001',
      customer_sk: '123456789012345678',
      email: 'a***@example.com',
      phone: '***4567',
      first_name: 'J***',
      lifetime_value: 120.5,
      last_order_at: '2024-12-01T10:00:00Z',
      marketing_opt_in: true,
    });
    const input = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(input.QueryString).toContain("'***@'");
    expect(input.ExecutionParameters).toEqual(["'DE'"]);
    expect(input.QueryExecutionContext).toEqual({ Database: 'c360_gold' });

    // data_scientist: the HMAC computed by Athena is served as is.
    athena.reset();
    const hmac = createHmac('sha256', MASKING_KEY).update('someone@example.com').digest('hex');
    succeedWith(pagesOf(customerColumns, [customerRow({ email: hmac })], 10));
    const hashed = await served.get('/v1/customers/C00000001', 'data_scientist');
    expect(hashed.status).toBe(200);
    expect(((await hashed.json()) as Record<string, unknown>).email).toBe(hmac);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.ExecutionParameters).toContain(
      `'${MASKING_KEY}'`,
    );

    // support: clear on a single-customer route (the SQL asks for the column itself).
    athena.reset();
    succeedWith(pagesOf(customerColumns, [customerRow({ email: 'someone@example.com' })], 10));
    const single = await served.get('/v1/customers/C00000001', 'support');
    expect(((await single.json()) as Record<string, unknown>).email).toBe('someone@example.com');
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.QueryString).toMatch(
      /select customer_id, cast\(customer_sk as varchar\) as customer_sk, email, phone/,
    );
  });

  it('GraphQL reads go through Athena too, masked for the caller', async () => {
    succeedWith(pagesOf(customerColumns, [customerRow({ email: 'a***@example.com', phone: '***4567' })], 10));
    const response = await fetch(`${served.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${served.tokens.analyst}` },
      body: JSON.stringify({
        query: '{ customers(first: 1) { edges { node { customerId email phone } } } }',
      }),
    });
    const body = (await response.json()) as {
      data: { customers: { edges: Array<{ node: Record<string, unknown> }> } };
    };
    expect(body.data.customers.edges[0].node).toEqual({
      customerId: 'C00000001',
      email: 'a***@example.com',
      phone: '***4567',
    });
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.QueryString).toContain("'***@'");
  });

  it('GraphQL nested PII (history): masked in the SQL for the caller and kind of its root field', async () => {
    const versionColumns = [
      column('customer_id', 'varchar'),
      column('customer_sk', 'varchar'),
      column('version', 'integer'),
      column('valid_from', 'timestamp'),
      column('valid_to', 'timestamp'),
      column('is_current', 'boolean'),
      column('is_deleted', 'boolean'),
      column('email', 'varchar'),
    ];
    // Athena answers what the SQL asks for: the email column, or null where the SQL redacts it.
    let historyEmail: string | null = null;
    const results: Record<string, () => GetQueryResultsCommandOutput> = {
      'q-customer': () => pagesOf(customerColumns, [customerRow({ email: 'someone@example.com' })], 10)[0],
      'q-history': () =>
        pagesOf(
          versionColumns,
          [['C00000001', '1', '1', '2024-01-01 00:00:00.000', null, 'true', 'false', historyEmail]],
          10,
        )[0],
    };
    athena.on(StartQueryExecutionCommand).callsFake((input: { QueryString?: string }) => {
      const sql = input.QueryString ?? '';
      if (!sql.includes('from dim_customer')) return { QueryExecutionId: 'q-customer' };
      historyEmail = sql.includes('cast(null as varchar) as email') ? null : 'someone@example.com';
      return { QueryExecutionId: 'q-history' };
    });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena
      .on(GetQueryResultsCommand)
      .callsFake((input: { QueryExecutionId: string }) => results[input.QueryExecutionId]());
    const response = await fetch(`${served.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${served.tokens.support}` },
      body: JSON.stringify({ query: '{ customer(id: "C00000001") { email history { email } } }' }),
    });
    const body = (await response.json()) as {
      data: { customer: { email: string | null; history: Array<{ email: string | null }> } };
    };
    // support sees single-customer PII in clear on the root field.
    expect(body.data.customer.email).toBe('someone@example.com');
    const historySql = athena
      .commandCalls(StartQueryExecutionCommand)
      .map((c) => c.args[0].input.QueryString ?? '')
      .find((sql) => sql.includes('from dim_customer'));
    // The history batch runs in the caller context of its root field (support, single): clear.
    expect(historySql).toBeDefined();
    expect(historySql).not.toContain('cast(null as varchar) as email');
    expect(body.data.customer.history).toEqual([{ email: 'someone@example.com' }]);
  });

  it('a failed query is a 502 problem, a slow one a 504, a snapshot Athena does not hold a 503', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-x' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'HIVE_BAD_DATA: customer_360 bad' } },
    });
    const failed = await served.get('/v1/segments', 'analyst');
    expect(failed.status).toBe(502);
    expect(failed.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await failed.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 502, title: 'Query engine error' });
    expect(JSON.stringify(problem)).not.toMatch(/HIVE|customer_360|select|q-x/i);

    athena.reset();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-slow' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});
    const slow = await served.get('/v1/products', 'analyst');
    expect(slow.status).toBe(504);
    expect(athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(1);

    glue.reset();
    glue
      .on(GetTableCommand)
      .resolves({ Table: { Name: 'customer_360', Parameters: { 'c360.snapshot_id': 'older' } } });
    // The pointer is cached for 15 s: a fresh app sees the new value at once.
    const other = await serve(harness.config);
    try {
      const behind = await other.get('/v1/segments', 'analyst');
      expect(behind.status).toBe(503);
      expect(((await behind.json()) as Record<string, unknown>).title).toBe(
        'Query engine not yet on the served snapshot',
      );
    } finally {
      await other.close();
    }
  });
});
