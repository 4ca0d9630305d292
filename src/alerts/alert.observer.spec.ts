import { RunRecord } from '../runs/run.model';
import { alertFor } from './alert.observer';

const run = (overrides: Partial<RunRecord>): RunRecord => ({
  id: 'r1',
  trigger: 'schedule',
  mode: 'incremental',
  status: 'published',
  started_at: '2025-01-01T00:00:00.000Z',
  finished_at: '2025-01-01T00:01:00.000Z',
  progress: 1,
  snapshot_id: 's1',
  as_of: null,
  steps: [],
  sources: [],
  dq: [],
  drift: [],
  error: null,
  pid: 1,
  ...overrides,
});

describe('alerts', () => {
  it('says nothing about a clean published run', () => {
    expect(alertFor(run({}))).toBeNull();
    expect(
      alertFor(
        run({
          dq: [{ table: 't', check: 'c', severity: 'warn', passed: false, failing_rows: 2, type: 'sql' }],
        }),
      ),
    ).toBeNull();
  });

  it('alerts on failed runs, critical checks and freshness breaches, naming checks not rows', () => {
    const failed = alertFor(run({ status: 'failed', error: 'disk full', snapshot_id: null }));
    expect(failed?.text).toContain('c360 run r1 failed');
    expect(failed?.text).toContain('error: disk full');
    const quality = alertFor(
      run({
        status: 'failed_quality',
        dq: [
          {
            table: 'customer_360',
            check: 'unique:customer_id',
            severity: 'critical',
            passed: false,
            failing_rows: 4,
          },
        ],
      }),
    );
    expect(quality?.text).toContain('failed its quality gate');
    expect(quality?.text).toContain('`customer_360.unique:customer_id` (4 failing rows)');
    const stale = alertFor(
      run({
        dq: [
          {
            table: 'fact_orders',
            check: 'freshness:order_ts',
            severity: 'warn',
            passed: false,
            failing_rows: 1,
            type: 'freshness',
          },
        ],
      }),
    );
    expect(stale?.text).toContain('published snapshot s1 with data-quality breaches');
    expect(stale?.text).toContain('freshness breached: `fact_orders.freshness:order_ts`');
    expect(stale?.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: stale?.text } }]);
  });
});
