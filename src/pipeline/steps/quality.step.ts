import { DqResult } from '../../runs/run.model';
import { changedRowsSql, runDqChecks, ScopedCheck } from '../dq-checks';
import { DatasetFacts, RunContext, StepResult } from '../run-context';

export class QualityGateError extends Error {
  constructor(readonly failures: DqResult[]) {
    super(`critical data-quality checks failed: ${failures.map((f) => `${f.table}.${f.check}`).join(', ')}`);
  }
}

/** The checked tables with their results, as lineage reports them (dataQualityAssertions). */
export function assertedTables(ctx: RunContext): DatasetFacts[] {
  const byTable = new Map<string, DatasetFacts>();
  for (const result of ctx.run.dq) {
    const check = ctx.checks.find((c) => c.table === result.table && c.name === result.check);
    const facts = byTable.get(result.table) ?? {
      name: result.table,
      layer: 'gold',
      rows: null,
      assertions: [],
    };
    facts.assertions?.push({
      check: result.check,
      ...(check?.column ? { column: check.column } : {}),
      passed: result.passed,
      severity: result.severity,
    });
    byTable.set(result.table, facts);
  }
  return [...byTable.values()];
}

/**
 * How each check is evaluated. An incremental run checks an incremental model's rewritten rows
 * only (`delta_<model>`, left by the gold step) when the base snapshot passed the same check:
 * every other row of that table is unchanged since.
 */
function scopedChecks(ctx: RunContext): ScopedCheck[] {
  const incremental = new Set(ctx.models.filter((m) => m.materialized === 'incremental').map((m) => m.name));
  const passedBefore = new Set(
    (ctx.baseDq ?? []).filter((r) => r.passed && r.failing_rows === 0).map((r) => `${r.table}|${r.check}`),
  );
  const narrow = ctx.plan.kind === 'incremental' && ctx.baseDq !== null;
  return ctx.checks.map((check) => ({
    check,
    changedRowsSql:
      narrow && incremental.has(check.table) && passedBefore.has(`${check.table}|${check.name}`)
        ? changedRowsSql(check, `delta_${check.table}`, incremental)
        : null,
  }));
}

/** gold/checks/*.yaml against the candidate snapshot; a failing critical check stops the publish. */
export async function qualityStep(ctx: RunContext): Promise<StepResult> {
  ctx.run.dq = await runDqChecks(ctx.connection, scopedChecks(ctx));
  for (const warning of ctx.run.dq.filter((r) => !r.passed && r.severity === 'warn')) {
    ctx.log.warn(
      { table: warning.table, check: warning.check, failing_rows: warning.failing_rows },
      'data-quality warning',
    );
  }
  const failures = ctx.run.dq.filter((r) => !r.passed && r.severity === 'critical');
  if (failures.length > 0) throw new QualityGateError(failures);
  return {
    rowsIn: ctx.run.dq.length,
    rowsOut: ctx.run.dq.filter((r) => r.passed).length,
    inputs: assertedTables(ctx),
    outputs: [],
  };
}
