/**
 * Latency histograms per connection for `GET /metrics`: `ack` (an inbound's receive → the message
 * committed, i.e. when its ACK can go out) and `delivery` (one send to a destination, its reply
 * included). Fixed buckets (milliseconds) so a histogram is a few numbers, cheap to observe and to
 * merge: a delivery thread keeps its own and sends the difference with its state reports.
 */
export const LATENCY_BUCKETS_MS = [
  1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000,
] as const;

export type LatencyKind = "ack" | "delivery";

/** Counts per bucket (not cumulative; the last is above the largest bound), their sum (ms) and count. */
export interface HistogramData {
  counts: number[];
  sumMs: number;
  count: number;
}

export function emptyHistogram(): HistogramData {
  return { counts: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), sumMs: 0, count: 0 };
}

export function observeInto(h: HistogramData, ms: number): void {
  let i = LATENCY_BUCKETS_MS.findIndex((bound) => ms <= bound);
  if (i < 0) i = LATENCY_BUCKETS_MS.length;
  h.counts[i] = (h.counts[i] ?? 0) + 1;
  h.sumMs += ms;
  h.count++;
}

export function mergeInto(h: HistogramData, add: HistogramData): void {
  add.counts.forEach((n, i) => {
    h.counts[i] = (h.counts[i] ?? 0) + n;
  });
  h.sumMs += add.sumMs;
  h.count += add.count;
}

export interface LatencySeries {
  kind: LatencyKind;
  connection: string;
  histogram: HistogramData;
}

/** The engine's latency histograms, by kind and connection name. */
export class Latencies {
  readonly #series = new Map<string, LatencySeries>();

  #get(kind: LatencyKind, connection: string): HistogramData {
    const key = `${kind}\u0000${connection}`;
    let s = this.#series.get(key);
    if (!s) {
      s = { kind, connection, histogram: emptyHistogram() };
      this.#series.set(key, s);
    }
    return s.histogram;
  }

  observe(kind: LatencyKind, connection: string, ms: number): void {
    observeInto(this.#get(kind, connection), ms);
  }

  /** Adds what another thread observed since its last report. */
  merge(kind: LatencyKind, connection: string, add: HistogramData): void {
    mergeInto(this.#get(kind, connection), add);
  }

  /** Times `work` (whether it succeeds or fails) as one observation. */
  async timed<T>(kind: LatencyKind, connection: string, work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.observe(kind, connection, performance.now() - start);
    }
  }

  snapshot(): LatencySeries[] {
    return [...this.#series.values()].map((s) => ({
      ...s,
      histogram: { ...s.histogram, counts: [...s.histogram.counts] },
    }));
  }
}
