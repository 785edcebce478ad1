/**
 * The engine's side of the reconciliation, read over its API with a bearer token (monitoring:read):
 * GET /stats totals (received, delivered, errored) and its backlog (open rows, every stage).
 */
import type { StatsFrame } from "../api/schemas/monitoring.js";

export interface EngineSnapshot {
  received: number;
  delivered: number;
  errored: number;
  /** Pending + claimed rows over every stage and connection. */
  backlog: number;
}

export class EngineStatsError extends Error {
  override name = "EngineStatsError";
}

export class EngineStats {
  constructor(
    readonly base: string,
    readonly token: string,
  ) {}

  async snapshot(): Promise<EngineSnapshot> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/stats`, {
        headers: { authorization: `Bearer ${this.token}` },
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new EngineStatsError(
        `cannot reach the engine's API at ${this.base}: ${(error as Error).message}`,
      );
    }
    if (res.status === 401 || res.status === 403)
      throw new EngineStatsError(
        `${this.base}/stats refused the token (${res.status}): MEFOR_API_TOKEN needs monitoring:read`,
      );
    if (!res.ok) throw new EngineStatsError(`${this.base}/stats answered HTTP ${res.status}`);
    const body = (await res.json()) as StatsFrame;
    return {
      received: body.totals.received,
      delivered: body.totals.delivered,
      errored: body.totals.errored,
      backlog: body.depth.reduce((s, d) => s + d.pending + d.claimed, 0),
    };
  }
}
