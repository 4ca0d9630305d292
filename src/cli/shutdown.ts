import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { rootLogger } from '../common/logger';
import { DrainService } from '../lifecycle/drain.service';

const FORCE_EXIT_MS = 30_000;

/**
 * SIGTERM/SIGINT: stop accepting connections and let requests in flight finish (fastify close),
 * then dispose the modules (a running build is cancelled and recorded), then exit 0. Nest's own
 * hooks dispose modules before the server stops listening and re-raise the signal; this keeps the
 * snapshot open until the last request is answered.
 */
export function installGracefulShutdown(app: NestFastifyApplication): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    const log = rootLogger();
    log.info({ signal }, 'shutting down: draining requests');
    const force = setTimeout(() => {
      log.error({ signal }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, FORCE_EXIT_MS);
    force.unref();
    void (async () => {
      try {
        app.get(DrainService).beginDrain();
        await app.getHttpAdapter().getInstance().close();
        await app.close();
        log.info({ signal }, 'shut down');
        process.exit(0);
      } catch (error) {
        log.error({ err: (error as Error).message }, 'shutdown failed');
        process.exit(1);
      }
    })();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
