/** The backoff schedule: pure, so the delivery worker and the tests agree on every delay. */
import type { RetryPolicy } from "./types.js";

/** One default for the loader and the delivery worker: see config/registry.ts. */
export { DEFAULT_RETRY } from "../config/registry.js";

export class RetryPolicyError extends Error {
  override name = "RetryPolicyError";
}

/** Checks a policy from config; throws a RetryPolicyError naming the bad field. */
export function checkRetryPolicy(p: RetryPolicy): RetryPolicy {
  const bad = (field: string, why: string) => new RetryPolicyError(`retry.${field} ${why}`);
  if (!(p.attempts >= 1)) throw bad("attempts", "must be at least 1 (Infinity retries forever)");
  if (!Number.isFinite(p.baseMs) || p.baseMs < 0) throw bad("baseMs", "must be a finite number ≥ 0");
  if (!Number.isFinite(p.multiplier) || p.multiplier < 1)
    throw bad("multiplier", "must be a finite number ≥ 1");
  if (!Number.isFinite(p.capMs) || p.capMs < p.baseMs) throw bad("capMs", "must be finite and ≥ baseMs");
  return p;
}

/** Delay before the next attempt after `failures` failed attempts (1 = the first failure). */
export function backoffDelay(p: RetryPolicy, failures: number): number {
  const exp = p.baseMs * p.multiplier ** Math.max(0, failures - 1);
  return Math.min(p.capMs, Math.round(exp));
}

/** After attempt number `attempt` failed transiently: retry at a time, or give up (dead-letter). */
export function afterFailure(
  p: RetryPolicy,
  attempt: number,
  now: number,
): { retryAt: number } | { giveUp: true } {
  if (attempt >= p.attempts) return { giveUp: true };
  return { retryAt: now + backoffDelay(p, attempt) };
}
