import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirs } from '../common/data-dirs';
import { AuditEntry } from './audit.model';
import { AuditStore } from './audit.store';

const entry = (overrides: Partial<AuditEntry> = {}, atMs = Date.now()): AuditEntry => ({
  id: AuditStore.newId(atMs),
  at: new Date(atMs).toISOString(),
  actor: 'alice-sub',
  roles: ['admin'],
  kind: 'admin',
  action: 'createRun',
  transport: 'rest',
  target_type: 'run',
  target_ids: ['r1'],
  request_id: 'req-1',
  status: 202,
  ...overrides,
});

describe('AuditStore', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'c360-audit-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('appends under state/audit and reads newest first, across a restart', () => {
    const first = new AuditStore(new DataDirs(root), 1024 * 1024);
    const a = entry({ action: 'createRun' }, 1_000);
    const b = entry(
      { action: 'getCustomer', kind: 'pii_read', target_type: 'customer', target_ids: ['C1'] },
      2_000,
    );
    first.append(a);
    first.append(b);
    const reopened = new AuditStore(new DataDirs(root), 1024 * 1024);
    expect(reopened.query({ limit: 10 }).map((e) => e.id)).toEqual([b.id, a.id]);
    expect(readdirSync(join(root, 'state', 'audit'))).toEqual(['audit.jsonl']);
  });

  it('filters by actor, action, customer, time and keyset position', () => {
    const store = new AuditStore(new DataDirs(root), 1024 * 1024);
    const entries = [
      entry({ actor: 'a' }, 1_000),
      entry({ actor: 'b', action: 'getCustomer', target_type: 'customer', target_ids: ['C1', 'C2'] }, 2_000),
      entry({ actor: 'b', action: 'getCustomer', target_type: 'customer', target_ids: ['C3'] }, 3_000),
    ];
    for (const e of entries) store.append(e);
    expect(store.query({ actor: 'b', limit: 10 })).toHaveLength(2);
    expect(store.query({ action: 'createRun', limit: 10 })).toEqual([entries[0]]);
    expect(store.query({ customerId: 'C2', limit: 10 })).toEqual([entries[1]]);
    expect(store.query({ since: new Date(2_000), until: new Date(3_000), limit: 10 })).toEqual([entries[1]]);
    expect(store.query({ beforeId: entries[2].id, limit: 10 }).map((e) => e.id)).toEqual([
      entries[1].id,
      entries[0].id,
    ]);
    // limit + 1 at most: the extra row tells the caller there is a next page
    expect(store.query({ limit: 1 })).toHaveLength(2);
  });

  it('is bounded: full files become segments and the oldest segments are deleted', () => {
    const store = new AuditStore(new DataDirs(root), 2_000);
    const written: AuditEntry[] = [];
    for (let i = 0; i < 400; i++) {
      const e = entry({ request_id: `req-${i}` }, 1_000 + i);
      written.push(e);
      store.append(e);
    }
    const files = readdirSync(join(root, 'state', 'audit'));
    expect(files.length).toBeLessThanOrEqual(8);
    const kept = store.query({ limit: 1000 });
    expect(kept.length).toBeLessThan(written.length);
    // What is kept is the newest, in order.
    expect(kept[0].id).toBe(written[written.length - 1].id);
    expect(kept.map((e) => e.id)).toEqual(
      written
        .slice(-kept.length)
        .map((e) => e.id)
        .reverse(),
    );
  });

  it('skips a torn last line', () => {
    const store = new AuditStore(new DataDirs(root), 1024 * 1024);
    store.append(entry());
    appendFileSync(join(root, 'state', 'audit', 'audit.jsonl'), '{"id":"a1');
    expect(store.query({ limit: 10 })).toHaveLength(1);
  });
});
