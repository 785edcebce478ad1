/**
 * The gate every password check passes through: refuses locked counters (throttle.ts), counts the
 * attempt as a failure before the slow check, and audits failures without letting a flood of them
 * flood the audit log — per address and window, the first `failureAuditsPerWindow` are audited one
 * by one and the rest as one `login.failed` entry with a count when the window ends (or the
 * counter is swept).
 */
import { AUDIT_ACTIONS, type AuditAction } from "./audit-actions.js";
import { AuthError } from "./errors.js";
import type { AuthPolicy } from "./policy.js";
import type { AuthRepository, ThrottleRecord } from "./repository.js";
import {
  countFailure,
  forgiveFailure,
  lockRemaining,
  startsNewWindow,
  type ThrottleKeys,
  throttleKeys,
  waitFor,
} from "./throttle.js";

export type Check = "login" | "reauth";

export interface Attempt {
  check: Check;
  keys: ThrottleKeys;
  /** The name tried (or "(invalid)"): the audit actor. */
  actor: string;
  client: string | null;
  now: number;
  /** Counters this attempt's provisional failure locked (so a real failure audits the lock). */
  lockedByThis: string[];
}

type Audit = (actor: string, action: AuditAction, target?: string, details?: Record<string, unknown>) => void;

export function failedAction(check: Check): AuditAction {
  return check === "login" ? AUDIT_ACTIONS.loginFailed : AUDIT_ACTIONS.reauthFailed;
}

export class AttemptGate {
  readonly #repo: AuthRepository;
  readonly #policy: Readonly<AuthPolicy>;
  readonly #audit: Audit;

  constructor(repo: AuthRepository, policy: Readonly<AuthPolicy>, audit: Audit) {
    this.#repo = repo;
    this.#policy = policy;
    this.#audit = audit;
  }

  /** Refuses a locked attempt (AUTH_ACCOUNT_LOCKED), otherwise counts it as a failure until it succeeds. */
  open(
    check: Check,
    username: string,
    address: string | undefined,
    client: string | null,
    now: number,
  ): Attempt {
    const keys = throttleKeys(username, address);
    const attempt: Attempt = { check, keys, actor: username, client, now, lockedByThis: [] };
    const wait = this.#repo.transaction(() => {
      const pair = this.#repo.getThrottle(keys.pair);
      const addr = this.#repo.getThrottle(keys.address);
      const global = this.#repo.getThrottle(keys.global);
      const w = waitFor({ pair, address: addr, global }, now, this.#policy);
      if (w > 0) {
        this.#auditFailure(attempt, "locked");
        return w;
      }
      const p = this.#policy;
      for (const [key, record, max] of [
        [keys.pair, pair, p.maxFailedAttempts],
        [keys.address, addr, p.maxFailedPerAddress],
        [keys.global, global, 0],
      ] as const) {
        if (key === keys.address) this.#flushAggregate(record, now);
        const next = countFailure(record, key, now, max, p);
        this.#repo.putThrottle(next);
        if (next.lockedUntil !== null) attempt.lockedByThis.push(key);
      }
      return 0;
    });
    if (wait > 0) {
      throw new AuthError(
        "AUTH_ACCOUNT_LOCKED",
        `too many failed attempts; try again in ${Math.ceil(wait / 60_000)} minute(s)`,
        { retryAfterMs: wait },
      );
    }
    return attempt;
  }

  /** Audits a failed attempt (already counted) and the locks it caused. Returns whether it locked. */
  fail(attempt: Attempt, reason: string): boolean {
    return this.#repo.transaction(() => {
      this.#auditFailure(attempt, reason);
      let locked = false;
      for (const key of attempt.lockedByThis) {
        const record = this.#repo.getThrottle(key);
        if (lockRemaining(record, attempt.now) <= 0) continue;
        locked = true;
        this.#audit(attempt.actor, AUDIT_ACTIONS.accountLocked, `user:${attempt.actor}`, {
          scope: key === attempt.keys.pair ? "user+address" : "address",
          client: attempt.client,
          until: new Date(record?.lockedUntil ?? attempt.now).toISOString(),
          failures: record?.failures,
        });
      }
      return locked;
    });
  }

  /** Takes back the provisional failure (the password was right but a step is missing), audited. */
  forgive(attempt: Attempt, reason: string): void {
    this.#repo.transaction(() => {
      this.#forgiveAll(attempt);
      // Audited: a correct password without the second factor is worth an auditor's eye.
      this.#auditFailure(attempt, reason);
    });
  }

  /** The attempt succeeded: the (address, name) counter is cleared, the others forgiven. Inside a transaction. */
  succeed(attempt: Attempt): void {
    this.#forgiveAll(attempt);
    this.#repo.deleteThrottle(attempt.keys.pair);
  }

  /** Deletes stale counters, auditing the failures they held back. */
  sweep(now: number): number {
    return this.#repo.transaction(() => {
      const stale = this.#repo.deleteStaleThrottles(now - this.#policy.lockoutWindowMs, now);
      for (const record of stale) this.#flushAggregate(record, now, true);
      return stale.length;
    });
  }

  #forgiveAll(attempt: Attempt): void {
    for (const key of [attempt.keys.pair, attempt.keys.address, attempt.keys.global]) {
      const record = forgiveFailure(this.#repo.getThrottle(key));
      if (record) this.#repo.putThrottle(record);
    }
  }

  /** One by one up to the per-window quota of the address, then counted on the address record. */
  #auditFailure(attempt: Attempt, reason: string): void {
    const { now } = attempt;
    let addr = this.#repo.getThrottle(attempt.keys.address);
    if (!addr || now - addr.windowStart >= this.#policy.lockoutWindowMs) {
      // Refusals can outlast the address's window (a doubled lock): they open a new one for counting.
      this.#flushAggregate(addr, now, true);
      addr = {
        key: attempt.keys.address,
        windowStart: now,
        failures: 0,
        // A doubled lock outlives its window: the new counting window keeps it.
        lockedUntil: addr?.lockedUntil ?? null,
        locks: addr?.locks ?? 0,
        audited: 0,
        unaudited: 0,
      };
    }
    if (addr.audited >= this.#policy.failureAuditsPerWindow) {
      this.#repo.putThrottle({ ...addr, unaudited: addr.unaudited + 1 });
      return;
    }
    this.#repo.putThrottle({ ...addr, audited: addr.audited + 1 });
    this.#audit(attempt.actor, failedAction(attempt.check), `user:${attempt.actor}`, {
      reason,
      client: attempt.client,
    });
  }

  /** Writes the held-back count of an address's window that is ending (or has been swept). */
  #flushAggregate(record: ThrottleRecord | undefined, now: number, swept = false): void {
    if (!record || record.unaudited <= 0 || !record.key.startsWith("a:")) return;
    if (!swept && !startsNewWindow(record, now, this.#policy.lockoutWindowMs)) return;
    this.#audit("(aggregate)", AUDIT_ACTIONS.loginFailed, undefined, {
      reason: "repeated",
      address: record.key.slice(2),
      count: record.unaudited,
      since: new Date(record.windowStart).toISOString(),
    });
    if (!swept) this.#repo.putThrottle({ ...record, audited: 0, unaudited: 0 });
  }
}
