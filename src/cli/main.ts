import 'reflect-metadata';
import { Command, Option } from 'commander';
import { ConfigValueError } from '../config/config.definitions';
import { C360Config } from '../config/config';
import { setLogLevel } from '../common/logger';
import { safeMessage } from '../common/safe-message';
import { backfillCommand } from './backfill.command';
import { benchCommand } from './bench.command';
import { buildCommand } from './build.command';
import { CliError } from './cli-error';
import { contractsCommand } from './contracts.command';
import { demoCommand } from './demo.command';
import { exportCommand } from './export.command';
import { generateCommand } from './generate.command';
import { restoreCommand } from './restore.command';
import { serveCommand } from './serve.command';
import { tokenCommand } from './token.command';

function loadConfig(): C360Config {
  C360Config.loadDotEnv();
  const config = C360Config.fromEnv();
  setLogLevel(config.get('logLevel'));
  return config;
}

/** Runs a command body; every failure is one clear line and a non-zero exit. */
function action<A extends unknown[]>(
  body: (...args: A) => Promise<number | void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await body(...args);
      if (typeof code === 'number' && code !== 0) process.exitCode = code;
    } catch (error) {
      if (error instanceof ConfigValueError) {
        console.error(`c360: configuration error: ${error.message}`);
        process.exitCode = 2;
      } else if (error instanceof CliError) {
        console.error(`c360: ${error.message}`);
        process.exitCode = error.exitCode;
      } else {
        console.error(`c360: ${safeMessage(error)}`);
        process.exitCode = 1;
      }
    }
  };
}

export function buildProgram(): Command {
  const program = new Command()
    .name('c360')
    .description('Customer-360 build and API')
    .showHelpAfterError('(run c360 --help for usage)')
    .configureOutput({
      outputError: (text, write) => write(`c360: ${text.replace(/^error: /, '').trim()}\n`),
    });

  program
    .command('generate')
    .description('write deterministic sample sources into the landing zone (or --out DIR)')
    .option('--out <dir>', 'output directory (default: $C360_DATA_DIR/landing)')
    .option('--scale <n>', 'scale factor: 1 ≈ 100k customers, 500k orders, 1M events', '1')
    .option('--seed <s>', 'random seed', '42')
    .option('--changes', 'write the next batch of updates, deletes and new orders', false)
    .option('--dirty <p>', 'rate of bad rows (0–1)', '0')
    .action(
      action((options: { out?: string; scale: string; seed: string; changes: boolean; dirty: string }) =>
        generateCommand(loadConfig(), options),
      ),
    );

  program
    .command('build')
    .description('run the pipeline once; exit 0 only when a snapshot was published')
    .addOption(new Option('--mode <mode>', 'full or incremental').default('incremental'))
    .option('--source <names...>', 'extract only these sources')
    .option('--as-of <ts>', 'fix "now" for recency and windows (ISO-8601)')
    .action(
      action((options: { mode: string; source?: string[]; asOf?: string }) =>
        buildCommand(loadConfig(), options),
      ),
    );

  program
    .command('serve')
    .description('serve the API over the published snapshot (and run scheduled builds unless --replica)')
    .option('--replica', 'serve only: never build (same as C360_BUILDER=false)', false)
    .action(
      action((options: { replica: boolean }) => {
        const config = loadConfig();
        return serveCommand(options.replica ? config.withOverrides({ builderEnabled: false }) : config);
      }),
    );

  program
    .command('token')
    .description('print a signed bearer token')
    .requiredOption('--role <role>', 'role name (repeat with commas for several)')
    .option('--sub <id>', 'subject', 'c360-cli')
    .option('--countries <list>', 'row scope, e.g. DE,FR')
    .option('--ttl <duration>', 'lifetime, e.g. 30m, 1h, 7d', '1h')
    .action(
      action((options: { role: string; sub: string; countries?: string; ttl: string }) =>
        tokenCommand(loadConfig(), options),
      ),
    );

  program
    .command('demo')
    .description('generate ~10k customers, build, serve, and print URLs and one token per role')
    .action(action(() => demoCommand()));

  program
    .command('contracts')
    .description('write (or --check) docs/openapi.json, graphql/schema.graphql and docs/configuration.md')
    .option('--check', 'fail when the checked-in files differ from the code', false)
    .action(action((options: { check: boolean }) => contractsCommand(options)));

  program
    .command('backfill')
    .description('re-extract and rebuild a window of source data; exit 0 only when it published')
    .requiredOption('--from <date>', 'window start, inclusive (YYYY-MM-DD or ISO-8601)')
    .requiredOption('--to <date>', 'window end, exclusive (YYYY-MM-DD or ISO-8601)')
    .option('--dry-run', 'print what would be re-read and rebuilt; write nothing', false)
    .action(
      action((options: { from: string; to: string; dryRun: boolean }) =>
        backfillCommand(loadConfig(), options),
      ),
    );

  program
    .command('export')
    .description('the active gold snapshot as Parquet (fact tables by month) plus Athena DDL')
    .requiredOption('--target <dir|s3uri>', 'a directory or s3://bucket/prefix')
    .option('--role <role>', 'policy role whose PII masking applies to the export', 'analyst')
    .option('--snapshot <id>', 'export this retained snapshot instead of the active one')
    .option('--location <s3uri>', 'for a directory target: where it will be uploaded (the DDL LOCATION)')
    .option('--no-register', 's3:// target: do not register the tables in Glue (ATHENA_DATABASE)')
    .action(
      action(
        (options: {
          target: string;
          role: string;
          snapshot?: string;
          location?: string;
          register: boolean;
        }) => exportCommand(loadConfig(), options),
      ),
    );

  program
    .command('restore')
    .description(
      'serve the gold tables of an export (made with --role admin) again, as a new active snapshot',
    )
    .requiredOption('--from <dir>', 'the export directory')
    .action(action((options: { from: string }) => restoreCommand(loadConfig(), options)));

  program
    .command('bench')
    .description('run the benchmarks and rewrite their sections of docs/benchmarks.md')
    .option('--only <ids>', 'comma-separated section ids')
    .option('--scales <list>', 'data scales, e.g. 1,10', '1')
    .option('--keep', 'keep the generated data', false)
    .action(action((options: { only?: string; scales: string; keep: boolean }) => benchCommand(options)));

  return program;
}

if (require.main === module || process.argv[1]?.endsWith('c360.js')) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      console.error(`c360: ${safeMessage(error)}`);
      process.exitCode = 1;
    });
}
