import { runBenchmarks } from '../bench/bench-runner';
import { BENCH_SECTIONS } from '../bench/sections';
import { CliError, parseNumberOption } from './cli-error';

/** `npm run bench [-- --only id,id] [--scales 1,10] [--keep]`. */
export async function benchCommand(options: { only?: string; scales: string; keep: boolean }): Promise<void> {
  const scales = options.scales
    .split(',')
    .map((s) => parseNumberOption('scales', s, (n) => n > 0 && n <= 100, 'numbers above 0'));
  const only = options.only?.split(',').map((s) => s.trim());
  const known = BENCH_SECTIONS.map((s) => s.id);
  for (const id of only ?? []) {
    if (!known.includes(id))
      throw new CliError(`--only ${id}: unknown section (known: ${known.join(', ') || 'none'})`);
  }
  await runBenchmarks(BENCH_SECTIONS, { only, scales, keep: options.keep });
}
