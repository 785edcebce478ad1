/**
 * The open loop's schedule, pure: when the n-th message of a phase is due, and how many are due by a
 * time. A constant rate r sends message n at n / r seconds; a ramp from r0 to r1 over T seconds has
 * the rate r(t) = r0 + (r1 − r0)·t/T, so N(t) = r0·t + (r1 − r0)·t²/(2T) messages are due by t and
 * message n leaves at the root of N(t) = n. Senders compare these times with the clock; latency is
 * measured from them, never from when a busy connection finally wrote the bytes.
 */
import type { LoadPhase } from "./types.js";

/** A phase's open-loop schedule; times in ms from the phase's start. */
export class OpenSchedule {
  readonly total: number;
  readonly #r0: number;
  readonly #r1: number;
  readonly #seconds: number;

  constructor(phase: Pick<LoadPhase, "seconds" | "rate" | "fromRate" | "kind">) {
    this.#seconds = phase.seconds;
    this.#r1 = phase.rate ?? 0;
    this.#r0 = phase.kind === "ramp" ? (phase.fromRate ?? 0) : this.#r1;
    this.total = Math.floor(this.dueBy(phase.seconds * 1000));
  }

  /** Messages due by `ms` from the phase's start (a real number; floor it to count). */
  dueBy(ms: number): number {
    const t = Math.min(Math.max(0, ms), this.#seconds * 1000) / 1000;
    const slope = (this.#r1 - this.#r0) / this.#seconds;
    return this.#r0 * t + (slope * t * t) / 2;
  }

  /** When message `n` (0-based) is due, in ms from the phase's start: the time N(t) reaches n. */
  timeOf(n: number): number {
    const slope = (this.#r1 - this.#r0) / this.#seconds;
    if (Math.abs(slope) < 1e-12) return this.#r0 > 0 ? (n / this.#r0) * 1000 : Number.POSITIVE_INFINITY;
    // slope/2·t² + r0·t − n = 0, the root ≥ 0.
    const disc = this.#r0 * this.#r0 + 2 * slope * n;
    if (disc < 0) return Number.POSITIVE_INFINITY;
    return ((-this.#r0 + Math.sqrt(disc)) / slope) * 1000;
  }
}

/** Total duration of the phases in seconds. */
export function totalSeconds(phases: readonly LoadPhase[]): number {
  return phases.reduce((s, p) => s + p.seconds, 0);
}

/**
 * Weighted choice over the mix, deterministic: `pick(u)` for u in [0, 1) returns the index whose
 * cumulative weight interval holds u.
 */
export class WeightedPick {
  readonly #edges: number[] = [];

  constructor(weights: readonly number[]) {
    const sum = weights.reduce((a, b) => a + b, 0);
    let acc = 0;
    for (const w of weights) {
      acc += w / sum;
      this.#edges.push(acc);
    }
  }

  pick(u: number): number {
    for (let i = 0; i < this.#edges.length; i++) if (u < (this.#edges[i] as number)) return i;
    return this.#edges.length - 1;
  }
}
