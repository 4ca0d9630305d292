import { BenchSection } from './bench.model';

/** Every benchmark section, in the order they run and appear in docs/benchmarks.md. Add a line per
 *  section; each section lives in its own file. */
export const BENCH_SECTIONS: BenchSection[] = [];
