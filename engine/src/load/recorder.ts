/**
 * What the run measured, kept as it happens: per phase and in total, HDR histograms of ACK latency and
 * end-to-end latency (sink arrival − scheduled send), counts of sends, AA answers and errors, and a
 * one-second window that becomes a chart sample. Pure bookkeeping (no I/O, no clock of its own).
 */
import { Histogram } from "./histogram.js";
import type { LoadPhase, LoadSample, Percentiles, PhaseResult } from "./types.js";

interface Counts {
  sent: number;
  acked: number;
  errors: number;
  delivered: number;
}

const zero = (): Counts => ({ sent: 0, acked: 0, errors: 0, delivered: 0 });

/** µs histogram → ms percentiles, null when empty. */
export function percentilesOf(h: Histogram): Percentiles {
  const ms = (p: number) => (h.count === 0 ? null : Math.round(h.percentile(p) / 10) / 100);
  return {
    count: h.count,
    p50: ms(50),
    p90: ms(90),
    p99: ms(99),
    p999: ms(99.9),
    max: h.count === 0 ? null : Math.round(h.max / 10) / 100,
  };
}

class Tally {
  counts = zero();
  ack = new Histogram();
  e2e = new Histogram();
}

export class Recorder {
  readonly #phases: Tally[];
  readonly #window = new Tally();
  /** Everything but warm-up. */
  readonly #total = new Tally();
  readonly #measured: boolean[];

  constructor(readonly phases: readonly LoadPhase[]) {
    this.#phases = phases.map(() => new Tally());
    this.#measured = phases.map((p) => p.kind !== "warmup");
  }

  #each(phase: number, f: (t: Tally) => void): void {
    f(this.#phases[phase] as Tally);
    f(this.#window);
    if (this.#measured[phase]) f(this.#total);
  }

  sent(phase: number): void {
    this.#each(phase, (t) => t.counts.sent++);
  }

  /** An answer: AA/CA counts as acked (its latency recorded), anything else as an error. */
  answered(phase: number, accepted: boolean, latencyMs: number): void {
    const us = latencyMs * 1000;
    this.#each(phase, (t) => {
      if (accepted) {
        t.counts.acked++;
        t.ack.record(us);
      } else t.counts.errors++;
    });
  }

  failed(phase: number, n = 1): void {
    this.#each(phase, (t) => {
      t.counts.errors += n;
    });
  }

  delivered(phase: number, latencyMs: number): void {
    const us = latencyMs * 1000;
    this.#each(phase, (t) => {
      t.counts.delivered++;
      t.e2e.record(us);
    });
  }

  /** Closes the current one-second window as a chart sample. */
  sample(t: number, phase: number, backlog: number | null, engineErrors: number | null): LoadSample {
    const w = this.#window;
    const pct = (h: Histogram, p: number) => (h.count === 0 ? null : Math.round(h.percentile(p) / 10) / 100);
    const s: LoadSample = {
      t,
      phase: (this.phases[phase] as LoadPhase).kind,
      sent: w.counts.sent,
      acked: w.counts.acked,
      errors: w.counts.errors,
      delivered: w.counts.delivered,
      ackP50: pct(w.ack, 50),
      ackP99: pct(w.ack, 99),
      e2eP50: pct(w.e2e, 50),
      e2eP99: pct(w.e2e, 99),
      backlog,
      engineErrors,
    };
    w.counts = zero();
    w.ack.reset();
    w.e2e.reset();
    return s;
  }

  phaseResults(): PhaseResult[] {
    return this.phases.map((p, i) => {
      const t = this.#phases[i] as Tally;
      return {
        kind: p.kind,
        loop: p.loop,
        seconds: p.seconds,
        sent: t.counts.sent,
        acked: t.counts.acked,
        errors: t.counts.errors,
        ackRate: Math.round((t.counts.acked / p.seconds) * 10) / 10,
        ack: percentilesOf(t.ack),
        e2e: percentilesOf(t.e2e),
      };
    });
  }

  totals(): { sent: number; acked: number; errors: number; ack: Percentiles; e2e: Percentiles } {
    const c = this.#total.counts;
    return {
      sent: c.sent,
      acked: c.acked,
      errors: c.errors,
      ack: percentilesOf(this.#total.ack),
      e2e: percentilesOf(this.#total.e2e),
    };
  }
}
