import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CronJob } from 'cron';
import { DataDirs } from '../common/data-dirs';
import { C360Error, ErrorCode } from '../common/errors';
import { rootLogger } from '../common/logger';
import { C360Config } from '../config/config';
import { RunRecord } from '../runs/run.model';
import { RunStore } from '../runs/run.store';
import { SnapshotReaderService } from '../serving/snapshot-reader.service';
import { SnapshotStore } from '../snapshots/snapshot.store';
import { BackfillReport, planBackfill } from './backfill-plan';
import { BuildCoordinator, TriggerRequest } from './build-coordinator';

export type { TriggerRequest } from './build-coordinator';

/**
 * Starts and tracks pipeline runs (SPEC §7) for the API and the schedule. `trigger` returns at
 * once with the running run; a second trigger while one is under way throws
 * C360Error(RunInProgress) carrying `run_id`.
 */
@Injectable()
export class PipelineService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly coordinator: BuildCoordinator;
  private job: CronJob | null = null;

  constructor(
    private readonly config: C360Config,
    private readonly dirs: DataDirs,
    snapshots: SnapshotStore,
    private readonly runs: RunStore,
    private readonly reader: SnapshotReaderService,
  ) {
    this.coordinator = new BuildCoordinator(config, dirs, snapshots, runs);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.get('builderEnabled')) return;
    await this.coordinator.recover();
    const schedule = this.config.get('schedule');
    if (!schedule) return;
    this.job = CronJob.from({
      cronTime: schedule,
      timeZone: 'UTC',
      start: true,
      onTick: () => {
        this.trigger({ mode: 'incremental', trigger: 'schedule' }).catch((error: Error) => {
          rootLogger().info({ reason: error.message }, 'scheduled run skipped');
        });
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.job?.stop();
    const current = this.coordinator.current();
    if (current) await this.coordinator.cancel(current.id);
  }

  async trigger(request: TriggerRequest): Promise<RunRecord> {
    if (!this.config.get('builderEnabled')) {
      throw new C360Error(
        ErrorCode.BuilderDisabled,
        'Builds are disabled on this process (C360_BUILDER=false).',
      );
    }
    return this.coordinator.trigger(request);
  }

  /** Runs a build to its end; the served snapshot is switched before this returns. */
  async runToCompletion(request: TriggerRequest): Promise<RunRecord> {
    const run = await this.coordinator.runToCompletion(request);
    await this.reader.refresh();
    return run;
  }

  /** Waits for the run under way (tests, shutdown). */
  async waitForActive(): Promise<void> {
    await this.coordinator.waitForActive();
    await this.reader.refresh();
  }

  getRun(id: string): RunRecord | null {
    return this.runs.get(id);
  }

  listRuns(limit = 50): RunRecord[] {
    return this.runs.list(limit);
  }

  async cancel(id: string): Promise<RunRecord | null> {
    return this.coordinator.cancel(id);
  }

  /** What a backfill of [from, to) would re-read and rebuild; writes nothing. */
  async planBackfill(window: { from: Date; to: Date }): Promise<BackfillReport> {
    return planBackfill(this.config, this.dirs, window);
  }
}
