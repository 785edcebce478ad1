/**
 * Delay distributions for the sink's ACK delays (and anything else that waits a random time):
 * `fixed:50`, `uniform:10-200`, `normal:100,20` (mean, standard deviation) and `lognormal:100,0.5`
 * (median, sigma of the underlying normal). All in milliseconds; samples never go below 0. Pure, driven
 * by the generator's seeded Rng so a seed gives the same delays every run.
 */
import type { Rng } from "../generate/index.js";

export type Distribution =
  | { kind: "fixed"; ms: number }
  | { kind: "uniform"; min: number; max: number }
  | { kind: "normal"; mean: number; sd: number }
  | { kind: "lognormal"; median: number; sigma: number };

export const NO_DELAY: Distribution = { kind: "fixed", ms: 0 };

/** The spelling `parseDistribution` reads back. */
export function formatDistribution(d: Distribution): string {
  switch (d.kind) {
    case "fixed":
      return `fixed:${d.ms}`;
    case "uniform":
      return `uniform:${d.min}-${d.max}`;
    case "normal":
      return `normal:${d.mean},${d.sd}`;
    case "lognormal":
      return `lognormal:${d.median},${d.sigma}`;
  }
}

/** Reads `50`, `fixed:50`, `uniform:10-200`, `normal:100,20` or `lognormal:100,0.5`; throws on anything else. */
export function parseDistribution(text: string): Distribution {
  const s = text.trim();
  const nums = (part: string, sep: string, n: number): number[] => {
    const v = part.split(sep).map((x) => Number(x.trim()));
    if (v.length !== n || v.some((x) => !Number.isFinite(x) || x < 0)) throw new DistributionError(text);
    return v;
  };
  if (/^\d+(\.\d+)?$/.test(s)) return { kind: "fixed", ms: Number(s) };
  const colon = s.indexOf(":");
  const kind = colon < 0 ? s : s.slice(0, colon);
  const rest = colon < 0 ? "" : s.slice(colon + 1);
  switch (kind) {
    case "fixed":
      return { kind, ms: nums(rest, ",", 1)[0] as number };
    case "uniform": {
      const [min, max] = nums(rest, "-", 2) as [number, number];
      if (max < min) throw new DistributionError(text);
      return { kind, min, max };
    }
    case "normal": {
      const [mean, sd] = nums(rest, ",", 2) as [number, number];
      return { kind, mean, sd };
    }
    case "lognormal": {
      const [median, sigma] = nums(rest, ",", 2) as [number, number];
      if (median <= 0) throw new DistributionError(text);
      return { kind, median, sigma };
    }
    default:
      throw new DistributionError(text);
  }
}

export class DistributionError extends Error {
  override name = "DistributionError";
  constructor(text: string) {
    super(
      `not a delay distribution: "${text}" (use 50, fixed:50, uniform:10-200, normal:100,20 or lognormal:100,0.5; milliseconds)`,
    );
  }
}

/** One sample in milliseconds (≥ 0). */
export function sample(d: Distribution, rng: Rng): number {
  switch (d.kind) {
    case "fixed":
      return d.ms;
    case "uniform":
      return d.min + rng.next() * (d.max - d.min);
    case "normal":
      return Math.max(0, d.mean + d.sd * gaussian(rng));
    case "lognormal":
      return d.median * Math.exp(d.sigma * gaussian(rng));
  }
}

/** A standard normal sample (Box–Muller). */
function gaussian(rng: Rng): number {
  const u = 1 - rng.next(); // (0, 1]: log(0) never happens
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
