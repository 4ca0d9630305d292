import { apiBench } from './api.bench';
import { BenchSection } from './bench.model';
import { ingestBench } from './ingest.bench';
import { pipelineBench } from './pipeline.bench';
import { servingBench } from './serving.bench';
import { SOAK_BENCH } from './soak.bench';

/** Every benchmark section, in the order they run and appear in docs/benchmarks.md. Add a line per
 *  section; each section lives in its own file. */
export const BENCH_SECTIONS: BenchSection[] = [
  servingBench,
  ingestBench,
  apiBench,
  pipelineBench,
  SOAK_BENCH,
];
