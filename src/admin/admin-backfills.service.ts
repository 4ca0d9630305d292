import { Injectable } from '@nestjs/common';
import { C360Error, ErrorCode, invalidParameter } from '../common/errors';
import { rootLogger } from '../common/logger';
import { C360Config } from '../config/config';
import { BackfillReport } from '../pipeline/backfill-plan';
import { PipelineService } from '../pipeline/pipeline.service';
import { RunRecord } from '../runs/run.model';

@Injectable()
export class AdminBackfillsService {
  constructor(
    private readonly config: C360Config,
    private readonly pipeline: PipelineService,
  ) {}

  /** Checks the window; dry run: the report; otherwise the started run (409 when one runs). */
  async start(from: Date, to: Date, dryRun: boolean, actor: string): Promise<BackfillReport | RunRecord> {
    if (from.getTime() >= to.getTime()) throw invalidParameter('to', 'to must be after from.');
    if (dryRun) return this.pipeline.planBackfill({ from, to });
    if (!this.config.get('builderEnabled')) {
      throw new C360Error(
        ErrorCode.BuilderDisabled,
        'This process serves only; builds run on the builder process.',
      );
    }
    const run = await this.pipeline.trigger({
      mode: 'incremental',
      trigger: 'backfill',
      window: { from, to },
    });
    // Audited by AuditInterceptor (action createBackfill); this line is the operational log.
    rootLogger().info(
      {
        run_id: run.id,
        from: from.toISOString(),
        to: to.toISOString(),
        sub: actor,
      },
      'backfill started',
    );
    return run;
  }
}
