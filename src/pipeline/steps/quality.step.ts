import { DqResult } from '../../runs/run.model';
import { runDqChecks } from '../dq-checks';
import { RunContext, StepResult } from '../run-context';

export class QualityGateError extends Error {
  constructor(readonly failures: DqResult[]) {
    super(`critical data-quality checks failed: ${failures.map((f) => `${f.table}.${f.check}`).join(', ')}`);
  }
}

/** gold/checks/*.yaml; a failing critical check stops the publish. */
export async function qualityStep(ctx: RunContext): Promise<StepResult> {
  ctx.run.dq = await runDqChecks(ctx.connection, ctx.checks);
  for (const warning of ctx.run.dq.filter((r) => !r.passed && r.severity === 'warn')) {
    ctx.log.warn(
      { table: warning.table, check: warning.check, failing_rows: warning.failing_rows },
      'data-quality warning',
    );
  }
  const failures = ctx.run.dq.filter((r) => !r.passed && r.severity === 'critical');
  if (failures.length > 0) throw new QualityGateError(failures);
  return { rowsIn: ctx.run.dq.length, rowsOut: ctx.run.dq.filter((r) => r.passed).length };
}
