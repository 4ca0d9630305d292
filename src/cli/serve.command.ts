import { createApp } from '../app.factory';
import { rootLogger } from '../common/logger';
import { C360Config } from '../config/config';
import { installGracefulShutdown } from './shutdown';

/** `c360 serve`: the API over the published snapshot (and the schedule, unless C360_BUILDER=false). */
export async function serveCommand(config: C360Config): Promise<void> {
  config.assertServable();
  const app = await createApp(config);
  installGracefulShutdown(app);
  await app.listen(config.port, '0.0.0.0');
  rootLogger().info({ port: config.port, data_dir: config.dataDir }, 'c360 listening');
}
