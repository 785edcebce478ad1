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
import type { AuthOps, AuthRepository, ThrottleRecord } from "./repository.js";
import type { Work } from "./sql-work.js";
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

/** Appends an audit entry inside the caller's transaction. */
export type AuditWork = (
  tx: AuthOps,
  actor: string,
  action: AuditAction,
  target?: string,
  details?: Record<string, unknown>,
) => Work<unknown>;

export function failedAction(check: Check): AuditAction {
  return check === "login" ? AUDIT_ACTIONS.loginFailed : AUDIT_ACTIONS.reauthFailed;
}

export class AttemptGate {
  readonly #repo: AuthRepository;
  readonly #policy: Readonly<AuthPolicy>;
  readonly #audit: AuditWork;

  constructor(repo: AuthRepository, policy: Readonly<AuthPolicy>, audit: AuditWork) {
    this.#repo = repo;
    this.#policy = policy;
    this.#audit = audit;
  }

  /** Refuses a locked attempt (AUTH_ACCOUNT_LOCKED), otherwise counts it as a failure until it succeeds. */
  async open(
    check: Check,
    username: string,
    address: string | undefined,
    client: string | null,
    now: number,
  ): Promise<Attempt> {
    const keys = throttleKeys(username, address);
    const attempt: Attempt = { check, keys, actor: username, client, now, lockedByThis: [] };
    const wait = await this.#repo.transaction((tx) => this.#count(tx, attempt));
    if (wait > 0) {
      throw new AuthError(
        "AUTH_ACCOUNT_LOCKED",
        `too many failed attempts; try again in ${Math.ceil(wait / 60_000)} minute(s)`,
        { retryAfterMs: wait },
      );
    }
    return attempt;
  }

  /** The wait when locked (audited), else 0 with the attempt counted as a failure on every counter. */
  *#count(tx: AuthOps, attempt: Attempt): Work<number> {
    const { keys, now } = attempt;
    const pair = yield* tx.getThrottle(keys.pair);
    const addr = yield* tx.getThrottle(keys.address);
    const global = yield* tx.getThrottle(keys.global);
    const w = waitFor({ pair, address: addr, global }, now, this.#policy);
    if (w > 0) {
      yield* this.#auditFailure(tx, attempt, "locked");
      return w;
    }
    const p = this.#policy;
    for (const [key, record, max] of [
      [keys.pair, pair, p.maxFailedAttempts],
      [keys.address, addr, p.maxFailedPerAddress],
      [keys.global, global, 0],
    ] as const) {
      if (key === keys.address) yield* this.#flushAggregate(tx, record, now);
      const next = countFailure(record, key, now, max, p);
      yield* tx.putThrottle(next);
      if (next.lockedUntil !== null) attempt.lockedByThis.push(key);
    }
    return 0;
  }

  /** Audits a failed attempt (already counted) and the locks it caused. Returns whether it locked. */
  fail(attempt: Attempt, reason: string): Promise<boolean> {
    return this.#repo.transaction((tx) => this.failWork(tx, attempt, reason));
  }

  /** {@link fail} inside the caller's transaction. */
  *failWork(tx: AuthOps, attempt: Attempt, reason: string): Work<boolean> {
    yield* this.#auditFailure(tx, attempt, reason);
    let locked = false;
    for (const key of attempt.lockedByThis) {
      const record = yield* tx.getThrottle(key);
      if (lockRemaining(record, attempt.now) <= 0) continue;
      locked = true;
      yield* this.#audit(tx, attempt.actor, AUDIT_ACTIONS.accountLocked, `user:${attempt.actor}`, {
        scope: key === attempt.keys.pair ? "user+address" : "address",
        client: attempt.client,
        until: new Date(record?.lockedUntil ?? attempt.now).toISOString(),
        failures: record?.failures,
      });
    }
    return locked;
  }

  /** Takes back the provisional failure (the password was right but a step is missing), audited. */
  async forgive(attempt: Attempt, reason: string): Promise<void> {
    await this.#repo.transaction((tx) => this.#forgiveWork(tx, attempt, reason));
  }

  *#forgiveWork(tx: AuthOps, attempt: Attempt, reason: string): Work<void> {
    yield* this.#forgiveAll(tx, attempt);
    // Audited: a correct password without the second factor is worth an auditor's eye.
    yield* this.#auditFailure(tx, attempt, reason);
  }

  /** The attempt succeeded: the (address, name) counter is cleared, the others forgiven. Inside a transaction. */
  *succeed(tx: AuthOps, attempt: Attempt): Work<void> {
    yield* this.#forgiveAll(tx, attempt);
    yield* tx.deleteThrottle(attempt.keys.pair);
  }

  /** Deletes stale counters, auditing the failures they held back. */
  *sweep(tx: AuthOps, now: number): Work<number> {
    const stale = yield* tx.deleteStaleThrottles(now - this.#policy.lockoutWindowMs, now);
    for (const record of stale) yield* this.#flushAggregate(tx, record, now, true);
    return stale.length;
  }

  *#forgiveAll(tx: AuthOps, attempt: Attempt): Work<void> {
    for (const key of [attempt.keys.pair, attempt.keys.address, attempt.keys.global]) {
      const record = forgiveFailure(yield* tx.getThrottle(key));
      if (record) yield* tx.putThrottle(record);
    }
  }

  /** One by one up to the per-window quota of the address, then counted on the address record. */
  *#auditFailure(tx: AuthOps, attempt: Attempt, reason: string): Work<void> {
    const { now } = attempt;
    let addr = yield* tx.getThrottle(attempt.keys.address);
    if (!addr || now - addr.windowStart >= this.#policy.lockoutWindowMs) {
      // Refusals can outlast the address's window (a doubled lock): they open a new one for counting.
      yield* this.#flushAggregate(tx, addr, now, true);
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
      yield* tx.putThrottle({ ...addr, unaudited: addr.unaudited + 1 });
      return;
    }
    yield* tx.putThrottle({ ...addr, audited: addr.audited + 1 });
    yield* this.#audit(tx, attempt.actor, failedAction(attempt.check), `user:${attempt.actor}`, {
      reason,
      client: attempt.client,
    });
  }

  /** Writes the held-back count of an address's window that is ending (or has been swept). */
  *#flushAggregate(tx: AuthOps, record: ThrottleRecord | undefined, now: number, swept = false): Work<void> {
    if (!record || record.unaudited <= 0 || !record.key.startsWith("a:")) return;
    if (!swept && !startsNewWindow(record, now, this.#policy.lockoutWindowMs)) return;
    yield* this.#audit(tx, "(aggregate)", AUDIT_ACTIONS.loginFailed, undefined, {
      reason: "repeated",
      address: record.key.slice(2),
      count: record.unaudited,
      since: new Date(record.windowStart).toISOString(),
    });
    if (!swept) yield* tx.putThrottle({ ...record, audited: 0, unaudited: 0 });
  }
}
