import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildLock } from './build-lock';

describe('BuildLock', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'c360-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lets one holder in and names it to the others', () => {
    const lock = new BuildLock(join(dir, 'build.lock'));
    expect(lock.tryAcquire('r1')).toEqual({ acquired: true });
    const second = new BuildLock(join(dir, 'build.lock')).tryAcquire('r2');
    expect(second).toMatchObject({ acquired: false, holder: { run_id: 'r1', pid: process.pid } });
    lock.release('r1');
    expect(new BuildLock(join(dir, 'build.lock')).tryAcquire('r3')).toEqual({ acquired: true });
  });

  it('takes over the lock of a holder that died (kill -9 leaves the file behind)', () => {
    const path = join(dir, 'build.lock');
    const dead = {
      pid: 2 ** 22 + 12345,
      host: hostname(),
      run_id: 'r-dead',
      acquired_at: new Date().toISOString(),
    };
    writeFileSync(path, JSON.stringify(dead));
    expect(new BuildLock(path).tryAcquire('r-next')).toEqual({ acquired: true });
  });

  it('does not release a lock it does not hold', () => {
    const path = join(dir, 'build.lock');
    const lock = new BuildLock(path);
    lock.tryAcquire('r1');
    lock.release('other-run');
    expect(lock.holder()?.run_id).toBe('r1');
  });
});
