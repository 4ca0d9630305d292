import { Injectable } from '@nestjs/common';
import { C360Error, ErrorCode, notFound } from '../common/errors';
import { C360Config } from '../config/config';
import { PipelineService } from '../pipeline/pipeline.service';
import { RunMode, RunRecord } from '../runs/run.model';
import { RunList } from './models/run.model';

@Injectable()
export class AdminRunsService {
  constructor(
    private readonly config: C360Config,
    private readonly pipeline: PipelineService,
  ) {}

  /** Queues a run; the pipeline answers RunInProgress (409, with run_id) when one is under way. */
  async trigger(mode: RunMode): Promise<RunRecord> {
    if (!this.config.get('builderEnabled')) {
      throw new C360Error(
        ErrorCode.BuilderDisabled,
        'This process serves only; builds run on the builder process.',
      );
    }
    return this.pipeline.trigger({ mode, trigger: 'admin' });
  }

  list(limit: number): RunList {
    return { data: this.pipeline.listRuns(limit) };
  }

  get(id: string): RunRecord {
    const run = this.pipeline.getRun(id);
    if (!run) throw notFound('No run with this id.');
    return run;
  }

  async cancel(id: string): Promise<RunRecord> {
    const run = await this.pipeline.cancel(id);
    if (!run) throw notFound('No run with this id.');
    return run;
  }
}
