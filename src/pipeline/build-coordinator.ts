import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirs } from '../common/data-dirs';
import { C360Error, ErrorCode } from '../common/errors';
import { rootLogger } from '../common/logger';
import { safeMessage } from '../common/safe-message';
import { C360Config } from '../config/config';
import { BuildLock } from '../runs/build-lock';
import { RunMode, RunRecord, RunTrigger, TERMINAL_STATUSES } from '../runs/run.model';
import { RunStore } from '../runs/run.store';
import { SnapshotStore } from '../snapshots/snapshot.store';
import { connect, openDuckDb } from '../duckdb/duckdb';
import { RegistryRepository } from './registry.repository';
import { BuildRunner } from './build-runner';
import { defaultRunObserver } from './observers';
import { BuildSelection, RunObserver } from './run-context';
import { SqlTrace } from './sql-trace';

export interface TriggerRequest extends BuildSelection {
  mode: RunMode;
  trigger: RunTrigger;
  asOf?: Date;
  /** Records the run's data work (benchmark only). */
  trace?: SqlTrace;
}

interface ActiveRun {
  run: RunRecord;
  controller: AbortController;
  runner: BuildRunner;
  done: Promise<RunRecord>;
}

/**
 * Starts runs one at a time (a file lock shared by every process on the data directory), tracks
 * the one under way, cancels it on request, and cleans up after a process that died mid-run.
 */
export class BuildCoordinator {
  private active: ActiveRun | null = null;
  private readonly lock: BuildLock;

  constructor(
    private readonly config: C360Config,
    private readonly dirs: DataDirs,
    private readonly snapshots: SnapshotStore,
    private readonly runs: RunStore,
    /** Lineage and alerts by default (from the configuration). */
    private readonly observer: RunObserver = defaultRunObserver(config, dirs),
  ) {
    this.lock = new BuildLock(dirs.buildLock);
  }

  /** Starts a run in the background and returns it as soon as it holds the lock. */
  async trigger(request: TriggerRequest): Promise<RunRecord> {
    this.dirs.ensure();
    const now = new Date();
    const id = this.runs.newRunId(now);
    const acquired = this.lock.tryAcquire(id);
    if (!acquired.acquired) {
      throw new C360Error(ErrorCode.RunInProgress, `Run ${acquired.holder.run_id} is in progress.`, {
        run_id: acquired.holder.run_id,
      });
    }
    const run: RunRecord = {
      id,
      trigger: request.trigger,
      mode: request.mode,
      status: 'running',
      started_at: now.toISOString(),
      finished_at: null,
      progress: 0,
      snapshot_id: null,
      as_of: (request.asOf ?? this.config.get('asOf'))?.toISOString() ?? null,
      steps: [],
      sources: [],
      dq: [],
      drift: [],
      error: null,
      pid: process.pid,
      plan: null,
      window: request.window
        ? { from: request.window.from.toISOString(), to: request.window.to.toISOString() }
        : null,
    };
    this.runs.save(run);
    const controller = new AbortController();
    const runner = new BuildRunner(this.config, this.dirs, this.snapshots, this.runs, {
      observer: this.observer,
      trace: request.trace ?? null,
    });
    const done = runner
      .run(run, controller.signal, { sources: request.sources, window: request.window })
      .catch((error: Error) => {
        run.status = 'failed';
        run.error = safeMessage(error);
        run.finished_at = new Date().toISOString();
        try {
          this.runs.save(run);
        } catch (saveError) {
          // e.g. the disk is full: the record stays "running" and the next start marks it failed
          rootLogger().error({ run_id: id, err: safeMessage(saveError) }, 'cannot record the failed run');
        }
        return run;
      })
      .finally(() => {
        this.lock.release(id);
        this.active = null;
      });
    this.active = { run, controller, runner, done };
    rootLogger().info({ run_id: id, trigger: run.trigger, mode: run.mode }, 'run started');
    return { ...run };
  }

  async runToCompletion(request: TriggerRequest): Promise<RunRecord> {
    await this.trigger(request);
    const active = this.active;
    if (!active) throw new Error('run vanished');
    return active.done;
  }

  /** The run under way in this process, if any. */
  current(): RunRecord | null {
    return this.active ? { ...this.active.run } : null;
  }

  async waitForActive(): Promise<void> {
    await this.active?.done;
  }

  async cancel(id: string): Promise<RunRecord | null> {
    if (this.active && this.active.run.id === id) {
      this.active.controller.abort();
      this.active.runner.interrupt();
      return this.active.done;
    }
    return this.runs.get(id);
  }

  /**
   * After a crash: runs recorded as running by a dead process become failed, their lock is
   * released, and bronze files that no published run registered (left by a killed run) are
   * removed, as are snapshot directories a killed publish did not finish.
   */
  async recover(): Promise<RunRecord[]> {
    this.dirs.ensure();
    const live = this.lock.liveHolder();
    const recovered: RunRecord[] = [];
    if (live?.run_id.startsWith('recovery-')) return recovered;
    for (const run of this.runs.list(1000)) {
      if (TERMINAL_STATUSES.includes(run.status)) continue;
      if (live && live.run_id === run.id) continue;
      if (this.active?.run.id === run.id) continue;
      run.status = 'failed';
      run.error = 'The run was interrupted (its process ended before the run finished).';
      run.finished_at = new Date().toISOString();
      this.runs.save(run);
      recovered.push(run);
      rootLogger().warn({ run_id: run.id }, 'marked interrupted run failed');
    }
    // Clean-up needs the lock too, so no build starts while it reads the warehouse.
    const recoveryId = `recovery-${process.pid}`;
    if (!this.active && this.lock.tryAcquire(recoveryId).acquired) {
      try {
        await this.removeUnregisteredBronze();
        this.snapshots.prune(this.config.get('snapshotRetention'));
      } finally {
        this.lock.release(recoveryId);
      }
    }
    return recovered;
  }

  /** Bronze files whose run is not in the registry belong to runs that never published. */
  private async removeUnregisteredBronze(): Promise<void> {
    if (!existsSync(this.dirs.bronze) || !existsSync(this.dirs.warehouseDb)) return;
    const instance = await openDuckDb(this.dirs.warehouseDb, { readOnly: true });
    let registered: Set<string>;
    try {
      const connection = await connect(instance);
      try {
        registered = await new RegistryRepository(connection, 'main').registeredRunIds();
      } finally {
        connection.closeSync();
      }
    } catch {
      return; // an empty warehouse has no registry yet
    } finally {
      instance.closeSync();
    }
    for (const source of readdirSync(this.dirs.bronze)) {
      for (const file of readdirSync(join(this.dirs.bronze, source))) {
        const runId = file.replace(/\.parquet$/, '');
        if (file.endsWith('.parquet') && !registered.has(runId)) {
          rmSync(join(this.dirs.bronze, source, file), { force: true });
          rootLogger().info({ run_id: runId, source }, 'removed bronze of an unpublished run');
        }
      }
    }
  }
}
