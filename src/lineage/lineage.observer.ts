import { hostname } from 'node:os';
import { join } from 'node:path';
import { DataDirs } from '../common/data-dirs';
import { C360Config } from '../config/config';
import { GoldModel } from '../pipeline/gold-models';
import { DatasetFacts, RunObserver } from '../pipeline/run-context';
import { RunRecord } from '../runs/run.model';
import { HttpDelivery } from './http-delivery';
import { LineageStore } from './lineage.store';
import {
  EventType,
  facet,
  JOB_NAMESPACE,
  lineageRunId,
  OlInputDataset,
  OlJob,
  OlOutputDataset,
  OPENLINEAGE_SCHEMA_URL,
  PRODUCER,
  RunEvent,
} from './openlineage';

const BUILD_JOB = 'c360.build';
const stepJob = (step: string): string => `${BUILD_JOB}.${step}`;
const modelJob = (model: string): string => `c360.gold.${model}`;

const EVENT_OF: Record<'succeeded' | 'failed' | 'cancelled', EventType> = {
  succeeded: 'COMPLETE',
  failed: 'FAIL',
  cancelled: 'ABORT',
};

interface OpenRun {
  job: string;
  parent: string | null;
}

/**
 * OpenLineage for every run: the build, each step and each gold model is a run of its own job
 * (START, then exactly one of COMPLETE, FAIL or ABORT), children naming their parent. Events
 * carry the datasets read and written with schema and row counts, and the data-quality results
 * as `dataQualityAssertions`. They are kept under `state/lineage/` and, when OPENLINEAGE_URL is
 * set, POSTed there in the background with retries; delivery never fails a build.
 */
export class LineageObserver implements RunObserver {
  private readonly open = new Map<string, Map<string, OpenRun>>();
  private readonly namespace: string;

  constructor(
    private readonly dirs: DataDirs,
    private readonly store: LineageStore,
    private readonly delivery: HttpDelivery | null,
  ) {
    this.namespace = `c360://${hostname()}${dirs.root}`;
  }

  static fromConfig(config: C360Config, dirs: DataDirs): LineageObserver {
    const url = config.get('openLineageUrl');
    return new LineageObserver(
      dirs,
      new LineageStore(dirs),
      url ? new HttpDelivery({ label: 'openlineage', url }) : null,
    );
  }

  runStarted(run: RunRecord): void {
    this.open.set(run.id, new Map());
    this.emit(run, 'START', BUILD_JOB, null, [], [], {
      nominalTime: facet('nominalTime', { nominalStartTime: run.started_at }),
    });
  }

  stepStarted(run: RunRecord, step: string): void {
    this.emit(run, 'START', stepJob(step), BUILD_JOB, [], []);
  }

  stepFinished(
    run: RunRecord,
    step: string,
    outcome: {
      status: 'succeeded' | 'failed' | 'cancelled';
      inputs: DatasetFacts[];
      outputs: DatasetFacts[];
      error?: string;
    },
  ): void {
    const type = EVENT_OF[outcome.status];
    this.emit(
      run,
      type,
      stepJob(step),
      BUILD_JOB,
      outcome.inputs,
      outcome.outputs,
      this.errorFacet(outcome.error),
    );
  }

  modelStarted(run: RunRecord, model: GoldModel): void {
    this.emit(run, 'START', modelJob(model.name), stepJob('gold'), [], [], {}, model);
  }

  modelBuilt(
    run: RunRecord,
    model: GoldModel,
    outcome: {
      status: 'succeeded' | 'failed' | 'cancelled';
      output: DatasetFacts;
      inputs: DatasetFacts[];
      error?: string;
    },
  ): void {
    this.emit(
      run,
      EVENT_OF[outcome.status],
      modelJob(model.name),
      stepJob('gold'),
      outcome.inputs,
      [outcome.output],
      this.errorFacet(outcome.error),
      model,
    );
  }

  /** Closes every run still open (ABORT when cancelled, FAIL otherwise), then the build itself. */
  async runFinished(run: RunRecord): Promise<void> {
    const open = this.open.get(run.id) ?? new Map<string, OpenRun>();
    const failed: EventType = run.status === 'cancelled' ? 'ABORT' : 'FAIL';
    for (const [job, state] of [...open.entries()].reverse()) {
      if (job === BUILD_JOB) continue;
      this.emit(run, failed, job, state.parent, [], [], this.errorFacet(run.error ?? 'The run ended first.'));
    }
    const checked = this.checkedTables(run);
    const type: EventType = run.status === 'published' ? 'COMPLETE' : failed;
    this.emit(run, type, BUILD_JOB, null, checked, [], {
      nominalTime: facet('nominalTime', { nominalStartTime: run.started_at }),
      ...this.errorFacet(run.status === 'published' ? undefined : (run.error ?? run.status)),
    });
    this.open.delete(run.id);
    await this.delivery?.flush();
  }

  private checkedTables(run: RunRecord): DatasetFacts[] {
    const tables = new Map<string, DatasetFacts>();
    for (const result of run.dq) {
      const facts = tables.get(result.table) ?? {
        name: result.table,
        layer: 'gold',
        rows: null,
        assertions: [],
      };
      facts.assertions?.push({ check: result.check, passed: result.passed, severity: result.severity });
      tables.set(result.table, facts);
    }
    return [...tables.values()];
  }

  private errorFacet(error: string | undefined): Record<string, ReturnType<typeof facet>> {
    return error
      ? { errorMessage: facet('errorMessage', { message: error, programmingLanguage: 'TypeScript' }) }
      : {};
  }

  private dataset(facts: DatasetFacts): { namespace: string; name: string } {
    switch (facts.layer) {
      case 'landing':
        return { namespace: 'file', name: facts.name };
      case 'bronze':
        return { namespace: 'file', name: join(this.dirs.bronze, facts.name) };
      case 'quarantine':
        return { namespace: 'file', name: join(this.dirs.quarantine, facts.name) };
      case 'silver':
        return { namespace: this.namespace, name: `silver.${facts.name}` };
      default:
        return { namespace: this.namespace, name: `gold.${facts.name}` };
    }
  }

  private input(facts: DatasetFacts): OlInputDataset {
    const dataset: OlInputDataset = this.dataset(facts);
    if (facts.schema) dataset.facets = { schema: facet('schema', { fields: facts.schema }) };
    if (facts.assertions?.length) {
      dataset.inputFacets = {
        dataQualityAssertions: facet('dataQualityAssertions', {
          assertions: facts.assertions.map((a) => ({
            assertion: a.check,
            success: a.passed,
            severity: a.severity,
            ...(a.column ? { column: a.column } : {}),
          })),
        }),
      };
    }
    return dataset;
  }

  private output(facts: DatasetFacts): OlOutputDataset {
    const dataset: OlOutputDataset = this.dataset(facts);
    if (facts.schema) dataset.facets = { schema: facet('schema', { fields: facts.schema }) };
    if (facts.rows !== null) {
      dataset.outputFacets = { outputStatistics: facet('outputStatistics', { rowCount: facts.rows }) };
    }
    return dataset;
  }

  private emit(
    run: RunRecord,
    eventType: EventType,
    job: string,
    parent: string | null,
    inputs: DatasetFacts[],
    outputs: DatasetFacts[],
    runFacets: Record<string, ReturnType<typeof facet>> = {},
    model?: GoldModel,
  ): void {
    const open = this.open.get(run.id) ?? new Map<string, OpenRun>();
    this.open.set(run.id, open);
    if (eventType === 'START') open.set(job, { job, parent });
    else open.delete(job);
    const facets = { ...runFacets };
    if (parent) {
      facets.parent = facet('parent', {
        run: { runId: lineageRunId(run.id, parent) },
        job: { namespace: JOB_NAMESPACE, name: parent },
      });
    }
    const jobDescription: OlJob = {
      namespace: JOB_NAMESPACE,
      name: job,
      facets: {
        jobType: facet('jobType', {
          processingType: 'BATCH',
          integration: 'C360',
          jobType: model ? 'MODEL' : parent ? 'TASK' : 'JOB',
        }),
        ...(model ? { sql: facet('sql', { query: model.sql }) } : {}),
      },
    };
    const event: RunEvent = {
      eventType,
      eventTime: new Date().toISOString(),
      run: { runId: lineageRunId(run.id, job), facets },
      job: jobDescription,
      inputs: inputs.map((i) => this.input(i)),
      outputs: outputs.map((o) => this.output(o)),
      producer: PRODUCER,
      schemaURL: OPENLINEAGE_SCHEMA_URL,
    };
    this.store.append(run.id, event);
    this.delivery?.send(event);
  }
}
