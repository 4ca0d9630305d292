/**
 * `--dirty P`: extra rows inserted at random positions of a file, the good rows left
 * untouched. Bad rows carry exactly one fault each (kinds cycle, so every kind appears
 * once P × rows ≥ kinds); benign rows (duplicates, values needing normalisation,
 * orders of unknown customers) must load without being reported.
 */
import type { LineFile } from './line-file';
import { Rng } from './rng';

/** One way a row can break its contract; `reason` is the pipeline's quarantine reason. */
export interface FaultKind {
  readonly reason: string;
  /** The whole line (without newline) carrying exactly this one fault. */
  make(rng: Rng, serial: number): string;
}

export type BenignCategory = 'duplicate' | 'normalised' | 'unknown_customer';

/** A valid extra row, usually derived from a recently written good row. */
export interface BenignKind<T> {
  readonly category: BenignCategory;
  make(rng: Rng, recentLine: string, recent: T, serial: number): string;
}

export interface ExpectedFault {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

export interface DirtCounts {
  bad: number;
  duplicate: number;
  normalised: number;
  unknownCustomer: number;
}

/** Counts non-decreasing random positions in [lo, hi] in O(1) memory (exponential spacings, two passes). */
class SortedPositions {
  /** The next position, or Infinity when exhausted. */
  current = Infinity;
  private readonly rng: Rng;
  private readonly total: number;
  private cumulative = 0;
  private emitted = 0;

  constructor(
    key: number,
    private readonly count: number,
    private readonly lo: number,
    private readonly hi: number,
  ) {
    const first = new Rng(key);
    let total = 0;
    for (let i = 0; i <= count; i++) total += first.exponential();
    this.total = total;
    this.rng = new Rng(key);
    this.advance();
  }

  advance(): void {
    if (this.emitted >= this.count || this.hi < this.lo) {
      this.current = Infinity;
      return;
    }
    this.emitted++;
    this.cumulative += this.rng.exponential();
    const span = this.hi - this.lo + 1;
    this.current = Math.min(this.hi, this.lo + Math.floor((this.cumulative / this.total) * span));
  }
}

const RECENT = 32;

export interface InjectorOptions<T> {
  readonly file: LineFile;
  /** Stream keys: positions of bad rows, positions of benign rows, row content. */
  readonly keys: readonly [number, number, number];
  readonly goodRows: number;
  readonly rate: number;
  readonly faults: readonly FaultKind[];
  readonly benign: readonly BenignKind<T>[];
  readonly expected: ExpectedFault[];
}

/** Call at(g) before writing good row g (and at(goodRows) at the end), keep() after each good row. */
export class Injector<T> {
  readonly counts: DirtCounts = { bad: 0, duplicate: 0, normalised: 0, unknownCustomer: 0 };
  private readonly bad: SortedPositions;
  private readonly extra: SortedPositions;
  private readonly rng: Rng;
  private readonly recentLines: string[] = [];
  private readonly recentRows: T[] = [];
  private kept = 0;

  constructor(private readonly options: InjectorOptions<T>) {
    const { goodRows, rate, keys } = options;
    const badCount = options.faults.length > 0 ? Math.round(rate * goodRows) : 0;
    const benignCount = options.benign.length > 0 && goodRows > 0 ? Math.round(rate * goodRows) : 0;
    this.bad = new SortedPositions(keys[0], badCount, 0, goodRows);
    // Benign rows copy an earlier good row, so they never come before the first one.
    this.extra = new SortedPositions(keys[1], benignCount, 1, goodRows);
    this.rng = new Rng(keys[2]);
  }

  /** Whether good rows need keeping (saves work when the file gets no benign rows). */
  get active(): boolean {
    return this.extra.current !== Infinity;
  }

  keep(line: string, row: T): void {
    if (this.extra.current === Infinity) return;
    const slot = this.kept % RECENT;
    this.recentLines[slot] = line;
    this.recentRows[slot] = row;
    this.kept++;
  }

  at(position: number): void {
    const { file, faults, benign, expected } = this.options;
    while (this.bad.current === position) {
      const kind = faults[this.counts.bad % faults.length];
      file.write(kind.make(this.rng, this.counts.bad));
      expected.push({ file: file.name, line: file.lines, reason: kind.reason });
      this.counts.bad++;
      this.bad.advance();
    }
    while (this.extra.current === position) {
      const serial = this.counts.duplicate + this.counts.normalised + this.counts.unknownCustomer;
      const kind = benign[serial % benign.length];
      const slot = (this.kept - 1 - this.rng.int(Math.min(RECENT, this.kept))) % RECENT;
      file.write(kind.make(this.rng, this.recentLines[slot], this.recentRows[slot], serial));
      if (kind.category === 'duplicate') this.counts.duplicate++;
      else if (kind.category === 'normalised') this.counts.normalised++;
      else this.counts.unknownCustomer++;
      this.extra.advance();
    }
  }
}

/** The benign kind every file has: an exact copy of a recent good line. */
export function duplicateKind<T>(): BenignKind<T> {
  return { category: 'duplicate', make: (_rng, line) => line };
}
