import { rootLogger } from '../common/logger';
import { safeMessage } from '../common/safe-message';

export interface DeliveryOptions {
  /** What the logs call the target (never the URL: webhook URLs carry credentials). */
  label: string;
  url: string;
  attempts?: number;
  /** Delay before retry n (ms); the last value repeats. */
  backoffMs?: number[];
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/**
 * POSTs JSON documents to one URL, in order, in the background: each document is retried with
 * backoff and then dropped with a warning. Delivery never throws and never blocks the caller;
 * `flush` waits (bounded) for what is queued, so a CLI build delivers before the process exits.
 */
export class HttpDelivery {
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  delivered = 0;
  failed = 0;
  private failedInARow = 0;

  constructor(private readonly options: DeliveryOptions) {}

  send(document: unknown): void {
    this.pending++;
    this.queue = this.queue
      .then(() => this.deliver(document))
      .finally(() => {
        this.pending--;
      });
  }

  /** Waits until everything queued was delivered or given up, or `timeoutMs` passed. */
  async flush(timeoutMs = 10_000): Promise<void> {
    if (this.pending === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([this.queue, timeout]);
    if (timer) clearTimeout(timer);
  }

  private async deliver(document: unknown): Promise<void> {
    // once a document was given up, the target is presumed down: one attempt each until one lands
    const attempts = this.failedInARow > 0 ? 1 : (this.options.attempts ?? 3);
    const backoff = this.options.backoffMs ?? [200, 1000];
    const body = JSON.stringify(document);
    let problem = 'no attempt';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await fetch(this.options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...this.options.headers },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          this.delivered++;
          this.failedInARow = 0;
          return;
        }
        problem = `HTTP ${response.status}`;
        if (response.status < 500 && response.status !== 408 && response.status !== 429) break;
      } catch (error) {
        problem = safeMessage(error);
      }
      if (attempt < attempts) {
        const delay = backoff[Math.min(attempt - 1, backoff.length - 1)] ?? 0;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    this.failed++;
    this.failedInARow++;
    if (this.failedInARow === 1) {
      rootLogger().warn({ target: this.options.label, problem }, 'delivery failed, document dropped');
    }
  }
}
