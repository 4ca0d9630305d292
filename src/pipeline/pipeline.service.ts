import { Injectable } from '@nestjs/common';
import { RunMode, RunRecord, RunTrigger } from '../runs/run.model';

export interface TriggerRequest {
  mode: RunMode;
  trigger: RunTrigger;
  asOf?: Date;
}

/**
 * Starts and tracks pipeline runs (SPEC §7). `trigger` returns at once with the queued run; the
 * build continues in the background. A second trigger while a run is under way throws
 * C360Error(RunInProgress) carrying `run_id`.
 */
@Injectable()
export class PipelineService {
  async trigger(_request: TriggerRequest): Promise<RunRecord> {
    throw new Error('not implemented yet');
  }

  /** Runs a build to its end and returns the final record (CLI, demo, tests). */
  async runToCompletion(_request: TriggerRequest): Promise<RunRecord> {
    throw new Error('not implemented yet');
  }

  getRun(_id: string): RunRecord | null {
    return null;
  }

  listRuns(_limit?: number): RunRecord[] {
    return [];
  }

  /** Requests cancellation; returns the run (unchanged when it had already ended), or null. */
  async cancel(_id: string): Promise<RunRecord | null> {
    return null;
  }
}
