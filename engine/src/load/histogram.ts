/**
 * An HDR-style latency histogram: values in whole microseconds, 3 significant digits over 1 µs … ~71
 * minutes, fixed memory (one Float64Array), O(1) record. Buckets double in width; each holds 1024
 * linear sub-buckets, so any recorded value is reported within 0.1 % of itself (HdrHistogram's
 * layout, written small: one precision, no auto-resize, no coordinated-omission correction — the open
 * loop measures from scheduled times instead).
 */

/** log2 of the sub-buckets in the upper half of each bucket: 2^10 = 1024 → 3 significant digits. */
const HALF_MAGNITUDE = 10;
const HALF_COUNT = 1 << HALF_MAGNITUDE;
const SUB_MASK = (HALF_COUNT << 1) - 1;
/** Values are clamped to 2^32 − 1 µs (~71.6 min). */
const MAX_VALUE = 0xffffffff;
/** Buckets cover [0, 2^11), then each doubles up to 2^32: 22 of them, plus the first's lower half. */
const BUCKETS = 32 - HALF_MAGNITUDE;
const LENGTH = (BUCKETS + 1) * HALF_COUNT;

function indexOf(value: number): number {
  const v = value >>> 0;
  // Position of the highest set bit of (v | SUB_MASK), counted from 1.
  const pow2ceiling = 32 - Math.clz32(v | SUB_MASK);
  const bucket = pow2ceiling - (HALF_MAGNITUDE + 1);
  const sub = Math.floor(v / 2 ** bucket);
  return ((bucket + 1) << HALF_MAGNITUDE) + (sub - HALF_COUNT);
}

/** The highest value that lands in `index` (what percentiles report, as HdrHistogram does). */
function highestOf(index: number): number {
  let bucket = (index >> HALF_MAGNITUDE) - 1;
  let sub = (index & (HALF_COUNT - 1)) + HALF_COUNT;
  if (bucket < 0) {
    sub -= HALF_COUNT;
    bucket = 0;
  }
  const width = 2 ** bucket;
  return sub * width + width - 1;
}

export class Histogram {
  #counts = new Float64Array(LENGTH);
  #total = 0;
  #max = 0;
  #lowestIndex = LENGTH;
  #highestIndex = -1;

  get count(): number {
    return this.#total;
  }

  /** The largest recorded value, exact (µs). */
  get max(): number {
    return this.#max;
  }

  /** Records one value in µs (negative → 0, fractions rounded, beyond ~71 min clamped). */
  record(micros: number): void {
    const v = Math.min(MAX_VALUE, Math.max(0, Math.round(micros)));
    const i = indexOf(v);
    this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#total++;
    if (v > this.#max) this.#max = v;
    if (i < this.#lowestIndex) this.#lowestIndex = i;
    if (i > this.#highestIndex) this.#highestIndex = i;
  }

  /** The value at percentile `p` (0..100) in µs: the highest value of the bucket holding that rank; NaN when empty. */
  percentile(p: number): number {
    if (this.#total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.#total));
    let seen = 0;
    for (let i = this.#lowestIndex; i <= this.#highestIndex; i++) {
      seen += this.#counts[i] as number;
      if (seen >= rank) return Math.min(highestOf(i), this.#max);
    }
    return this.#max;
  }

  /** Adds every value of `other` to this histogram. */
  add(other: Histogram): void {
    if (other.#total === 0) return;
    for (let i = other.#lowestIndex; i <= other.#highestIndex; i++) {
      const c = other.#counts[i] as number;
      if (c !== 0) this.#counts[i] = (this.#counts[i] as number) + c;
    }
    this.#total += other.#total;
    this.#max = Math.max(this.#max, other.#max);
    this.#lowestIndex = Math.min(this.#lowestIndex, other.#lowestIndex);
    this.#highestIndex = Math.max(this.#highestIndex, other.#highestIndex);
  }

  reset(): void {
    if (this.#total > 0) this.#counts.fill(0, this.#lowestIndex, this.#highestIndex + 1);
    this.#total = 0;
    this.#max = 0;
    this.#lowestIndex = LENGTH;
    this.#highestIndex = -1;
  }
}
