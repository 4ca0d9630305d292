import { C360Config } from '../config/config';
import { HttpDelivery } from '../lineage/http-delivery';
import { RunObserver } from '../pipeline/run-context';
import { DqResult, RunRecord } from '../runs/run.model';

/** A Slack incoming-webhook message (`text` plus one mrkdwn section). */
export interface AlertMessage {
  text: string;
  blocks: Array<{ type: 'section'; text: { type: 'mrkdwn'; text: string } }>;
}

const check = (r: DqResult): string => `\`${r.table}.${r.check}\` (${r.failing_rows} failing rows)`;

/**
 * What a run should alert on: it failed (or failed its quality gate), a critical check failed,
 * or a freshness check found the data too old (even when the run published). Names tables, checks
 * and counts only: never a row.
 */
export function alertFor(run: RunRecord): AlertMessage | null {
  const critical = run.dq.filter((r) => !r.passed && r.severity === 'critical');
  const stale = run.dq.filter(
    (r) => !r.passed && (r.type === 'freshness' || r.check.startsWith('freshness:')),
  );
  const failed = run.status === 'failed' || run.status === 'failed_quality';
  if (!failed && critical.length === 0 && stale.length === 0) return null;
  const headline = failed
    ? `c360 run ${run.id} ${run.status === 'failed_quality' ? 'failed its quality gate' : 'failed'}: nothing was published, the previous snapshot keeps serving`
    : `c360 run ${run.id} published snapshot ${run.snapshot_id ?? ''} with data-quality breaches`;
  const lines = [headline];
  if (run.status === 'failed' && run.error) lines.push(`error: ${run.error}`);
  if (critical.length) lines.push(`critical checks failed: ${critical.map(check).join(', ')}`);
  if (stale.length) lines.push(`freshness breached: ${stale.map(check).join(', ')}`);
  lines.push(`trigger ${run.trigger}, mode ${run.mode}, started ${run.started_at}`);
  const text = lines.join('\n');
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** Sends `alertFor(run)` to C360_ALERT_WEBHOOK when a run ends; never fails the run. */
export class AlertObserver implements RunObserver {
  constructor(private readonly delivery: HttpDelivery) {}

  static fromConfig(config: C360Config): AlertObserver | null {
    const url = config.get('alertWebhook');
    return url ? new AlertObserver(new HttpDelivery({ label: 'alert webhook', url })) : null;
  }

  async runFinished(run: RunRecord): Promise<void> {
    const message = alertFor(run);
    if (!message) return;
    this.delivery.send(message);
    await this.delivery.flush();
  }
}
