import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { rootLogger } from '../common/logger';
import { C360Config } from '../config/config';
import { HttpDelivery } from '../lineage/http-delivery';
import { MetricsService } from './metrics.service';

/**
 * Watches the served snapshot against C360_MAX_SNAPSHOT_AGE and sends one Slack-compatible alert
 * to C360_ALERT_WEBHOOK when it becomes stale (again after it was fresh). Only the builder
 * process alerts, so replicas do not repeat the same message.
 */
@Injectable()
export class FreshnessMonitor implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  private breached = false;
  private readonly delivery: HttpDelivery | null;

  constructor(
    private readonly config: C360Config,
    private readonly metrics: MetricsService,
  ) {
    const url = config.get('alertWebhook');
    this.delivery = url ? new HttpDelivery({ label: 'alert webhook', url }) : null;
  }

  onApplicationBootstrap(): void {
    const maxAge = this.config.get('maxSnapshotAge');
    if (maxAge === null || !this.config.get('builderEnabled')) return;
    const everyMs = Math.min(60_000, Math.max(500, (maxAge * 1000) / 4));
    this.timer = setInterval(() => this.check(), everyMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  check(): void {
    const { stale, age_seconds, max_age_seconds } = this.metrics.freshness();
    if (stale && !this.breached) {
      this.breached = true;
      const age =
        age_seconds === null ? 'no snapshot is served' : `the served snapshot is ${age_seconds} s old`;
      const text = `c360 freshness breached: ${age} (SLA ${max_age_seconds} s). The API keeps serving it; check the build schedule and the last runs.`;
      rootLogger().warn({ age_seconds, max_age_seconds }, 'freshness breached');
      this.delivery?.send({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
    } else if (!stale && this.breached) {
      this.breached = false;
      rootLogger().info({ age_seconds }, 'freshness restored');
    }
  }
}
