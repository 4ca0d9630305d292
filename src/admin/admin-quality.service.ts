import { Injectable } from '@nestjs/common';
import { notFound } from '../common/errors';
import { RunRecord } from '../runs/run.model';
import { RunStore } from '../runs/run.store';
import { ListDqQueryDto } from './dto/list-dq.query.dto';
import { DqReport } from './models/dq.model';

@Injectable()
export class AdminQualityService {
  constructor(private readonly runs: RunStore) {}

  /** A run's data-quality results: the given run, or the latest one that ran its checks. */
  report(query: ListDqQueryDto): DqReport {
    let run: RunRecord | null;
    if (query.run_id) {
      run = this.runs.get(query.run_id);
      if (!run) throw notFound('No run with this id.');
    } else {
      run = this.runs.list(200).find((r) => r.dq.length > 0) ?? null;
    }
    const all = run?.dq ?? [];
    const data = all.filter(
      (r) =>
        (!query.table || r.table === query.table) &&
        (!query.severity || r.severity === query.severity) &&
        (!query.failed_only || !r.passed),
    );
    return {
      run_id: run?.id ?? null,
      run_status: run?.status ?? null,
      snapshot_id: run?.snapshot_id ?? null,
      finished_at: run?.finished_at ?? null,
      summary: {
        checks: all.length,
        passed: all.filter((r) => r.passed).length,
        failed_critical: all.filter((r) => !r.passed && r.severity === 'critical').length,
        failed_warn: all.filter((r) => !r.passed && r.severity === 'warn').length,
      },
      data,
    };
  }
}
