import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataDirs } from '../common/data-dirs';
import { C360Config } from '../config/config';
import { BuildLock } from '../runs/build-lock';
import { RunRecord, TERMINAL_STATUSES } from '../runs/run.model';
import { RunStore } from '../runs/run.store';
import { SnapshotReaderService } from '../serving/snapshot-reader.service';

export const METRICS_PREFIX = 'c360_';

/** The served snapshot's freshness against the configured SLA. */
export interface Freshness {
  age_seconds: number | null;
  max_age_seconds: number | null;
  stale: boolean;
}

/**
 * Every Prometheus metric c360 exposes (docs/operations.md lists them). Pipeline metrics come from
 * run records as this process saves them, so the build code needs no metrics calls.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly countedRuns = new Set<string>();
  private readonly lock: BuildLock;

  readonly httpDuration = new Histogram({
    name: `${METRICS_PREFIX}http_request_duration_seconds`,
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly runs = new Counter({
    name: `${METRICS_PREFIX}pipeline_runs_total`,
    help: 'Finished pipeline runs by status and trigger',
    labelNames: ['status', 'trigger'] as const,
    registers: [this.registry],
  });
  readonly stepDuration = new Histogram({
    name: `${METRICS_PREFIX}pipeline_step_duration_seconds`,
    help: 'Duration of pipeline steps by step and outcome',
    labelNames: ['step', 'status'] as const,
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  readonly rows = new Counter({
    name: `${METRICS_PREFIX}rows_total`,
    help: 'Rows processed by layer, table and outcome (loaded, quarantined)',
    labelNames: ['layer', 'table', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly dqFailures = new Counter({
    name: `${METRICS_PREFIX}dq_failures_total`,
    help: 'Failed data-quality checks by severity',
    labelNames: ['severity'] as const,
    registers: [this.registry],
  });

  constructor(
    private readonly config: C360Config,
    dirs: DataDirs,
    runs: RunStore,
    private readonly reader: SnapshotReaderService,
  ) {
    this.lock = new BuildLock(dirs.buildLock);
    collectDefaultMetrics({ register: this.registry, prefix: METRICS_PREFIX });
    const freshness = (): Freshness => this.freshness();
    new Gauge({
      name: `${METRICS_PREFIX}snapshot_age_seconds`,
      help: 'Age of the served snapshot since it was published (-1 when none is served)',
      registers: [this.registry],
      collect() {
        this.set(freshness().age_seconds ?? -1);
      },
    });
    new Gauge({
      name: `${METRICS_PREFIX}snapshot_stale`,
      help: '1 when the served snapshot is older than C360_MAX_SNAPSHOT_AGE (or none is served)',
      registers: [this.registry],
      collect() {
        this.set(freshness().stale ? 1 : 0);
      },
    });
    const lock = this.lock;
    new Gauge({
      name: `${METRICS_PREFIX}build_lock_held`,
      help: '1 while a build holds the lock of this data directory (any process)',
      registers: [this.registry],
      collect() {
        this.set(lock.liveHolder() ? 1 : 0);
      },
    });
    runs.onSave((run) => this.recordRun(run));
  }

  freshness(now = Date.now()): Freshness {
    const snapshot = this.reader.snapshot();
    const maxAge = this.config.get('maxSnapshotAge');
    if (!snapshot) return { age_seconds: null, max_age_seconds: maxAge, stale: maxAge !== null };
    const age = Math.max(0, (now - Date.parse(snapshot.publishedAt)) / 1000);
    return { age_seconds: Math.round(age), max_age_seconds: maxAge, stale: maxAge !== null && age > maxAge };
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }

  /** Counts a run once, when it reaches a final status. */
  recordRun(run: RunRecord): void {
    if (!TERMINAL_STATUSES.includes(run.status) || this.countedRuns.has(run.id)) return;
    this.countedRuns.add(run.id);
    this.runs.inc({ status: run.status, trigger: run.trigger });
    for (const step of run.steps) {
      if (!step.finished_at) continue;
      const seconds = (Date.parse(step.finished_at) - Date.parse(step.started_at)) / 1000;
      this.stepDuration.observe({ step: step.name, status: step.status }, seconds);
    }
    if (run.status === 'published') {
      for (const source of run.sources) {
        this.rows.inc({ layer: 'bronze', table: source.name, outcome: 'loaded' }, source.loaded);
        this.rows.inc({ layer: 'bronze', table: source.name, outcome: 'quarantined' }, source.quarantined);
      }
    }
    for (const check of run.dq.filter((d) => !d.passed)) this.dqFailures.inc({ severity: check.severity });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
