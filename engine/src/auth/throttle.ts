/**
 * Login throttling as pure functions over {@link ThrottleRecord}s. Three counters per attempt:
 *
 * - per (client address, user name): locks after `maxFailedAttempts`, with a lock that doubles on
 *   each further lock (backoff). Someone guessing from one address cannot lock out the same user
 *   signing in from another.
 * - per client address: locks after `maxFailedPerAddress` failures across all names (spraying).
 * - global: after `globalMaxFailures` failures in a window from everywhere (a distributed guess),
 *   only addresses without a failure of their own in their window are still let in.
 *
 * Records exist whether or not the user exists, so a lock reveals nothing about which accounts
 * exist. An attempt is counted as a failure *before* the password is checked and forgiven on
 * success: a burst of parallel guesses then cannot outrun the counter while argon2 works.
 */
import type { AuthPolicy } from "./policy.js";
import type { ThrottleRecord } from "./repository.js";

export type ThrottlePolicy = Pick<
  AuthPolicy,
  | "maxFailedAttempts"
  | "maxFailedPerAddress"
  | "globalMaxFailures"
  | "lockoutWindowMs"
  | "lockoutMs"
  | "maxLockoutMs"
>;

/** The address attempts without one (in-process callers) count under. */
export const NO_ADDRESS = "-";
export const GLOBAL_KEY = "g";

export interface ThrottleKeys {
  /** Per (address, name). */
  pair: string;
  /** Per address. */
  address: string;
  global: string;
}

/** The prefix of every per-(address, name) key of `username` (names cannot contain a space). */
export function userKeyPrefix(username: string): string {
  return `u:${username.toLowerCase()} `;
}

export function throttleKeys(username: string, address: string | undefined): ThrottleKeys {
  const addr = address?.trim() || NO_ADDRESS;
  return { pair: `${userKeyPrefix(username)}${addr}`, address: `a:${addr}`, global: GLOBAL_KEY };
}

/** Milliseconds the record stays locked; 0 when attempts are accepted. */
export function lockRemaining(record: ThrottleRecord | undefined, now: number): number {
  return record?.lockedUntil != null && record.lockedUntil > now ? record.lockedUntil - now : 0;
}

function inWindow(record: ThrottleRecord | undefined, now: number, windowMs: number): boolean {
  return record !== undefined && now - record.windowStart < windowMs;
}

/**
 * Milliseconds before this attempt may be tried: the longest of the pair's and the address's locks,
 * and, while the global ceiling is reached, the global window's rest for an address that has failed.
 */
export function waitFor(
  records: {
    pair?: ThrottleRecord | undefined;
    address?: ThrottleRecord | undefined;
    global?: ThrottleRecord | undefined;
  },
  now: number,
  policy: ThrottlePolicy,
): number {
  let wait = Math.max(lockRemaining(records.pair, now), lockRemaining(records.address, now));
  const g = records.global;
  const addressFailed =
    inWindow(records.address, now, policy.lockoutWindowMs) && (records.address?.failures ?? 0) > 0;
  if (
    g &&
    inWindow(g, now, policy.lockoutWindowMs) &&
    g.failures >= policy.globalMaxFailures &&
    addressFailed
  ) {
    wait = Math.max(wait, g.windowStart + policy.lockoutWindowMs - now);
  }
  return wait;
}

/** Whether counting on this record would start a new window (so its aggregate must be flushed first). */
export function startsNewWindow(record: ThrottleRecord | undefined, now: number, windowMs: number): boolean {
  return !record || record.lockedUntil !== null || now - record.windowStart >= windowMs;
}

/**
 * The record after counting one more failed attempt at `now`, locking at `max` (0: never locks).
 * A lock that has run out starts a new window (one more miss must not re-lock at once) but keeps
 * its lock count, so the next lock lasts twice as long, up to `maxLockoutMs`.
 */
export function countFailure(
  record: ThrottleRecord | undefined,
  key: string,
  now: number,
  max: number,
  policy: Pick<ThrottlePolicy, "lockoutWindowMs" | "lockoutMs" | "maxLockoutMs">,
): ThrottleRecord {
  const base =
    record === undefined || startsNewWindow(record, now, policy.lockoutWindowMs)
      ? { windowStart: now, failures: 0, audited: 0, unaudited: 0, locks: record?.locks ?? 0 }
      : record;
  const failures = base.failures + 1;
  const locks = max > 0 && failures >= max ? base.locks + 1 : base.locks;
  const lockMs = Math.min(policy.lockoutMs * 2 ** Math.min(Math.max(locks - 1, 0), 20), policy.maxLockoutMs);
  return {
    key,
    windowStart: base.windowStart,
    failures,
    lockedUntil: locks > base.locks ? now + lockMs : null,
    locks,
    audited: base.audited,
    unaudited: base.unaudited,
  };
}

/** Takes back one provisional failure (the attempt turned out not to be a wrong credential). */
export function forgiveFailure(record: ThrottleRecord | undefined): ThrottleRecord | undefined {
  if (!record || record.failures <= 0) return record;
  const failures = record.failures - 1;
  const unlocking = record.lockedUntil !== null;
  return {
    ...record,
    failures,
    lockedUntil: null,
    locks: unlocking ? Math.max(record.locks - 1, 0) : record.locks,
  };
}
