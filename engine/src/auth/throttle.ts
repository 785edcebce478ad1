/**
 * Login throttling as pure functions over a {@link ThrottleRecord}. Records are keyed by the
 * lower-cased name whether or not such a user exists, so a lockout reveals nothing about
 * which accounts exist.
 *
 * An attempt is counted as a failure *before* the password is checked and forgiven on
 * success: a burst of parallel guesses then cannot outrun the counter while argon2 works.
 */
import type { AuthPolicy } from "./policy.js";
import type { ThrottleRecord } from "./repository.js";

export type ThrottlePolicy = Pick<AuthPolicy, "maxFailedAttempts" | "lockoutWindowMs" | "lockoutMs">;

export function throttleKey(username: string): string {
  return username.toLowerCase();
}

/** Milliseconds the name stays locked; 0 when attempts are accepted. */
export function lockRemaining(record: ThrottleRecord | undefined, now: number): number {
  return record?.lockedUntil != null && record.lockedUntil > now ? record.lockedUntil - now : 0;
}

/** The record after counting one more failed attempt at `now` (locking when the limit is reached). */
export function countFailure(
  record: ThrottleRecord | undefined,
  key: string,
  now: number,
  policy: ThrottlePolicy,
): ThrottleRecord {
  // A lock that has run out starts a new window: one more miss must not re-lock at once.
  const fresh = !record || record.lockedUntil !== null || now - record.windowStart >= policy.lockoutWindowMs;
  const base = fresh ? { windowStart: now, failures: 0 } : record;
  const failures = base.failures + 1;
  return {
    key,
    windowStart: base.windowStart,
    failures,
    lockedUntil: failures >= policy.maxFailedAttempts ? now + policy.lockoutMs : null,
  };
}

/** Takes back one provisional failure (the attempt turned out not to be a wrong credential). */
export function forgiveFailure(record: ThrottleRecord | undefined): ThrottleRecord | undefined {
  if (!record || record.failures <= 0) return record;
  const failures = record.failures - 1;
  return { ...record, failures, lockedUntil: null };
}
