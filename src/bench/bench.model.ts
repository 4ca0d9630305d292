/** One part of `npm run bench`. Each section renders its own markdown into docs/benchmarks.md. */
export interface BenchSection {
  /** Stable id: the section's markers in docs/benchmarks.md are `<!-- bench:<id> -->`. */
  id: string;
  title: string;
  run(context: BenchContext): Promise<string>;
}

export interface BenchContext {
  /** Scales requested on the command line (default [1]). */
  scales: number[];
  /** Scratch space for generated data; removed afterwards unless --keep. */
  workDir: string;
  log(message: string): void;
}

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function markdownTable(header: string[], rows: Array<Array<string | number>>): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}
