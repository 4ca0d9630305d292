import { join } from 'node:path';
import { C360Config } from '../config/config';
import { GenerateError, generateSources } from '../generate/generator';
import { CliError, parseNumberOption } from './cli-error';

export async function generateCommand(
  config: C360Config,
  options: { out?: string; scale: string; seed: string; changes: boolean; dirty: string },
): Promise<void> {
  const scale = parseNumberOption('scale', options.scale, (n) => n > 0 && n <= 1000, 'a number above 0');
  const seed = parseNumberOption('seed', options.seed, (n) => Number.isInteger(n), 'an integer');
  const dirty = parseNumberOption('dirty', options.dirty, (n) => n >= 0 && n <= 1, 'a rate between 0 and 1');
  const outDir = options.out ?? join(config.dataDir, 'landing');
  try {
    const summary = await generateSources({ outDir, scale, seed, changes: options.changes, dirty });
    const files = summary.files.map((f) => `${f.file} (${f.rows})`).join(', ');
    console.log(`batch ${summary.batch} written to ${outDir}: ${files}`);
    if (summary.expectedQuarantine.length > 0) {
      console.log(
        `  ${summary.expectedQuarantine.length} bad rows injected; manifest ${summary.manifestPath}`,
      );
    }
  } catch (error) {
    if (error instanceof GenerateError) throw new CliError(error.message);
    throw error;
  }
}
