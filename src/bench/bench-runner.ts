import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../config/config';
import { removeBenchDatasets } from './bench-dataset';
import { BenchSection } from './bench.model';

const HEADER = `# Benchmarks

Produced by \`npm run bench\` on the project's 2-core machine. The machine is shared and noisy:
read the ratios (measured side by side in one run), not the absolute times. Each section is
rewritten by its own benchmark; \`npm run bench -- --only <id>\` reruns one.
`;

/** Replaces (or appends) one section between its markers, leaving the others as they are. */
export function mergeSection(document: string, id: string, title: string, body: string): string {
  const start = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  const block = `${start}\n## ${title}\n\n${body.trim()}\n${end}`;
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  if (from >= 0 && to > from) return `${document.slice(0, from)}${block}${document.slice(to + end.length)}`;
  return `${document.trimEnd()}\n\n${block}\n`;
}

export async function runBenchmarks(
  sections: BenchSection[],
  options: { only?: string[]; scales: number[]; keep: boolean; output?: string },
): Promise<void> {
  const selected = sections.filter((s) => !options.only?.length || options.only.includes(s.id));
  if (selected.length === 0)
    throw new Error(`no benchmark section matches ${options.only?.join(', ') ?? ''}`);
  const output = options.output ?? join(PACKAGE_ROOT, 'docs', 'benchmarks.md');
  try {
    for (const section of selected) await runSection(section, output, options);
  } finally {
    removeBenchDatasets(options.keep);
  }
}

async function runSection(
  section: BenchSection,
  output: string,
  options: { scales: number[]; keep: boolean },
): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), `c360-bench-${section.id}-`));
  const started = Date.now();
  console.log(`bench ${section.id}: ${section.title}`);
  try {
    const body = await section.run({ scales: options.scales, workDir, log: (m) => console.log(`  ${m}`) });
    const stamp = `_Run ${new Date().toISOString().slice(0, 10)}, ${((Date.now() - started) / 1000).toFixed(0)} s, Node ${process.version}._`;
    // read again: another bench run may have written its own section meanwhile
    const document = existsSync(output) ? readFileSync(output, 'utf8') : HEADER;
    writeFileSync(output, mergeSection(document, section.id, section.title, `${body.trim()}\n\n${stamp}`));
    console.log(body);
  } finally {
    if (!options.keep) rmSync(workDir, { recursive: true, force: true });
  }
}
