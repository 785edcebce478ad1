/**
 * The auth operations ({@link AuthOps}) as units of work, written once for SQLite and PostgreSQL:
 * the same tables and columns, `?` placeholders, and SQL both dialects speak. The one difference is
 * the audit head lock (`FOR UPDATE` on PostgreSQL; SQLite's IMMEDIATE transaction already holds the
 * file's write lock).
 */
import { type AuditDraft, type AuditEntry, type AuditHead, sealEntry } from "./audit-chain.js";
import { AuthError } from "./errors.js";
import type {
  AuditQuery,
  AuthOps,
  NewUser,
  SessionRecord,
  ThrottleRecord,
  UserPatch,
  UserRecord,
} from "./repository.js";
import { mfaSecretAad, type SecretSealer } from "./secret-seal.js";
import { changes, type Dialect, row, rows, type Work } from "./sql-work.js";

interface UserRow {
  id: number;
  name: string;
  role: string;
  password_hash: string;
  disabled: number;
  mfa_secret: string | null;
  mfa_last_step: number | null;
  created_at: number;
  updated_at: number;
  password_changed_at: number;
  last_login_at: number | null;
  source: string;
}

interface SessionRow {
  token_hash: string;
  user_id: number;
  created_at: number;
  last_seen_at: number;
  last_auth_at: number;
  client: string | null;
}

interface ThrottleRow {
  key: string;
  window_start: number;
  failures: number;
  locked_until: number | null;
  locks: number;
  audited: number;
  unaudited: number;
}

interface AuditRow {
  seq: number;
  time: string;
  actor: string;
  action: string;
  target: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

const USER_COLUMNS: Readonly<Record<keyof UserPatch, string>> = {
  source: "source",
  role: "role",
  passwordHash: "password_hash",
  disabled: "disabled",
  mfaSecret: "mfa_secret",
  mfaLastStep: "mfa_last_step",
  updatedAt: "updated_at",
  passwordChangedAt: "password_changed_at",
  lastLoginAt: "last_login_at",
};

const toUser = (r: UserRow, sealer: SecretSealer): UserRecord => ({
  id: r.id,
  name: r.name,
  source: r.source === "directory" ? "directory" : "local",
  role: r.role,
  passwordHash: r.password_hash,
  disabled: r.disabled !== 0,
  mfaSecret: r.mfa_secret === null ? null : openOrAsStored(sealer, r.mfa_secret, mfaSecretAad(r.id)),
  mfaLastStep: r.mfa_last_step,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  passwordChangedAt: r.password_changed_at,
  lastLoginAt: r.last_login_at,
});

const toSession = (r: SessionRow): SessionRecord => ({
  tokenHash: r.token_hash,
  userId: r.user_id,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  lastAuthAt: r.last_auth_at,
  client: r.client,
});

const toAudit = (r: AuditRow): AuditEntry => ({
  seq: r.seq,
  time: r.time,
  actor: r.actor,
  action: r.action,
  target: r.target,
  details: r.details,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/** The opened secret, or the stored value when it cannot be opened (it then matches no code: fail closed). */
function openOrAsStored(sealer: SecretSealer, stored: string, aad: string): string {
  try {
    return sealer.open(stored, aad);
  } catch {
    return stored;
  }
}

export class SqlAuthOps implements AuthOps {
  readonly #sealer: SecretSealer;
  readonly #headForUpdate: string;

  constructor(dialect: Dialect, sealer: SecretSealer) {
    this.#sealer = sealer;
    this.#headForUpdate = `SELECT seq, hash FROM auth_audit_head WHERE id = 1${dialect === "postgres" ? " FOR UPDATE" : ""}`;
  }

  *findUserByName(name: string): Work<UserRecord | undefined> {
    // lower() on both sides: names are ASCII (username.ts), where SQLite's NOCASE and lower() agree.
    const r = yield* row<UserRow>("SELECT * FROM auth_users WHERE lower(name) = lower(?)", name);
    return r && toUser(r, this.#sealer);
  }

  *findUserById(id: number): Work<UserRecord | undefined> {
    const r = yield* row<UserRow>("SELECT * FROM auth_users WHERE id = ?", id);
    return r && toUser(r, this.#sealer);
  }

  *listUsers(): Work<UserRecord[]> {
    return (yield* rows<UserRow>("SELECT * FROM auth_users ORDER BY lower(name)")).map((r) =>
      toUser(r, this.#sealer),
    );
  }

  *insertUser(user: NewUser): Work<UserRecord> {
    if (yield* this.findUserByName(user.name)) {
      throw new AuthError("AUTH_USER_EXISTS", `user "${user.name}" already exists`);
    }
    const inserted = yield* row<{ id: number }>(
      `INSERT INTO auth_users (name, source, role, password_hash, disabled, mfa_secret, mfa_last_step,
         created_at, updated_at, password_changed_at, last_login_at)
       VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?) RETURNING id`,
      user.name,
      user.source ?? "local",
      user.role,
      user.passwordHash,
      user.disabled ? 1 : 0,
      user.mfaLastStep,
      user.createdAt,
      user.updatedAt,
      user.passwordChangedAt,
      user.lastLoginAt,
    );
    const id = Number(inserted?.id);
    // Sealed under the row's id, which exists only now.
    if (user.mfaSecret !== null) yield* this.updateUser(id, { mfaSecret: user.mfaSecret });
    return { ...user, source: user.source ?? "local", id };
  }

  *updateUser(id: number, patch: UserPatch): Work<void> {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [key, column] of Object.entries(USER_COLUMNS) as [keyof UserPatch, string][]) {
      if (!(key in patch)) continue;
      const value =
        key === "mfaSecret" && typeof patch.mfaSecret === "string"
          ? this.#sealer.seal(patch.mfaSecret, mfaSecretAad(id))
          : patch[key];
      sets.push(`${column} = ?`);
      values.push(typeof value === "boolean" ? (value ? 1 : 0) : (value ?? null));
    }
    if (sets.length === 0) return;
    // Column names come from the fixed USER_COLUMNS map, never from input.
    yield* changes(`UPDATE auth_users SET ${sets.join(", ")} WHERE id = ?`, ...values, id);
  }

  /**
   * Seals every TOTP secret not sealed under the current key: clear ones written without a key (or
   * before sealing existed) and ones under an old key (`key rotate`). One that cannot be opened (its
   * key is gone) is left as it is and named in `unreadable`: that user fails MFA until re-enrolled.
   */
  *resealSecrets(): Work<{ sealed: number; unreadable: string[] }> {
    const result = { sealed: 0, unreadable: [] as string[] };
    if (!this.#sealer.encrypted) return result;
    for (const r of yield* rows<UserRow>("SELECT * FROM auth_users ORDER BY id")) {
      if (r.mfa_secret === null || this.#sealer.isCurrent(r.mfa_secret)) continue;
      let plain: string;
      try {
        plain = this.#sealer.open(r.mfa_secret, mfaSecretAad(r.id));
      } catch {
        result.unreadable.push(r.name);
        continue;
      }
      yield* this.updateUser(r.id, { mfaSecret: plain });
      result.sealed++;
    }
    return result;
  }

  *insertSession(s: SessionRecord): Work<void> {
    yield* changes(
      `INSERT INTO auth_sessions (token_hash, user_id, created_at, last_seen_at, last_auth_at, client)
       VALUES (?, ?, ?, ?, ?, ?)`,
      s.tokenHash,
      s.userId,
      s.createdAt,
      s.lastSeenAt,
      s.lastAuthAt,
      s.client,
    );
  }

  *findSession(tokenHash: string): Work<SessionRecord | undefined> {
    const r = yield* row<SessionRow>("SELECT * FROM auth_sessions WHERE token_hash = ?", tokenHash);
    return r && toSession(r);
  }

  *updateSession(
    tokenHash: string,
    patch: Partial<Pick<SessionRecord, "lastSeenAt" | "lastAuthAt">>,
  ): Work<void> {
    if (patch.lastSeenAt !== undefined)
      yield* changes(
        "UPDATE auth_sessions SET last_seen_at = ? WHERE token_hash = ?",
        patch.lastSeenAt,
        tokenHash,
      );
    if (patch.lastAuthAt !== undefined)
      yield* changes(
        "UPDATE auth_sessions SET last_auth_at = ? WHERE token_hash = ?",
        patch.lastAuthAt,
        tokenHash,
      );
  }

  *deleteSession(tokenHash: string): Work<boolean> {
    return (yield* changes("DELETE FROM auth_sessions WHERE token_hash = ?", tokenHash)) > 0;
  }

  deleteUserSessions(userId: number): Work<number> {
    return changes("DELETE FROM auth_sessions WHERE user_id = ?", userId);
  }

  deleteExpiredSessions(idleBefore: number, createdBefore: number): Work<number> {
    return changes(
      "DELETE FROM auth_sessions WHERE last_seen_at < ? OR created_at < ?",
      idleBefore,
      createdBefore,
    );
  }

  *countLiveSessions(userId: number, seenSince: number, createdSince: number): Work<number> {
    const r = yield* row<{ n: number }>(
      "SELECT COUNT(*) AS n FROM auth_sessions WHERE user_id = ? AND last_seen_at > ? AND created_at > ?",
      userId,
      seenSince,
      createdSince,
    );
    return Number(r?.n ?? 0);
  }

  *getThrottle(key: string): Work<ThrottleRecord | undefined> {
    const r = yield* row<ThrottleRow>("SELECT * FROM auth_throttle WHERE key = ?", key);
    return r && throttleRecord(r);
  }

  *putThrottle(r: ThrottleRecord): Work<void> {
    yield* changes(
      `INSERT INTO auth_throttle (key, window_start, failures, locked_until, locks, audited, unaudited)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start,
         failures = excluded.failures, locked_until = excluded.locked_until,
         locks = excluded.locks, audited = excluded.audited, unaudited = excluded.unaudited`,
      r.key,
      r.windowStart,
      r.failures,
      r.lockedUntil,
      r.locks,
      r.audited,
      r.unaudited,
    );
  }

  *deleteThrottle(key: string): Work<void> {
    yield* changes("DELETE FROM auth_throttle WHERE key = ?", key);
  }

  *listThrottles(prefix: string): Work<ThrottleRecord[]> {
    // substr, not LIKE: user names may contain _ (a LIKE wildcard).
    const found = yield* rows<ThrottleRow>(
      "SELECT * FROM auth_throttle WHERE substr(key, 1, length(?)) = ?",
      prefix,
      prefix,
    );
    return found.map(throttleRecord);
  }

  deleteThrottles(prefix: string): Work<number> {
    return changes("DELETE FROM auth_throttle WHERE substr(key, 1, length(?)) = ?", prefix, prefix);
  }

  *deleteStaleThrottles(windowBefore: number, now: number): Work<ThrottleRecord[]> {
    const deleted = yield* rows<ThrottleRow>(
      `DELETE FROM auth_throttle WHERE window_start < ? AND (locked_until IS NULL OR locked_until <= ?)
       RETURNING *`,
      windowBefore,
      now,
    );
    return deleted.map(throttleRecord);
  }

  *appendAudit(draft: AuditDraft, now: number): Work<AuditEntry> {
    const head = yield* row<AuditHead>(this.#headForUpdate);
    if (!head) throw new Error("auth_audit_head is missing: the audit log was tampered with");
    const e = sealEntry(head, draft, now);
    yield* changes(
      `INSERT INTO auth_audit (seq, time, actor, action, target, details, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      e.seq,
      e.time,
      e.actor,
      e.action,
      e.target,
      e.details,
      e.prevHash,
      e.hash,
    );
    yield* changes("UPDATE auth_audit_head SET seq = ?, hash = ? WHERE id = 1", e.seq, e.hash);
    return e;
  }

  auditHead(): Work<AuditHead | undefined> {
    return row<AuditHead>("SELECT seq, hash FROM auth_audit_head WHERE id = 1");
  }

  *auditPage(afterSeq: number, limit: number): Work<AuditEntry[]> {
    return (yield* rows<AuditRow>(
      "SELECT * FROM auth_audit WHERE seq > ? ORDER BY seq LIMIT ?",
      afterSeq,
      limit,
    )).map(toAudit);
  }

  *listAudit(q: AuditQuery): Work<AuditEntry[]> {
    const where = ["seq > ?"];
    const values: unknown[] = [q.afterSeq ?? 0];
    if (q.actor !== undefined) {
      where.push("actor = ?");
      values.push(q.actor);
    }
    if (q.action !== undefined) {
      where.push("action = ?");
      values.push(q.action);
    }
    const limit = Math.max(1, Math.min(1000, Math.floor(q.limit)));
    const found = yield* rows<AuditRow>(
      `SELECT * FROM auth_audit WHERE ${where.join(" AND ")} ORDER BY seq LIMIT ?`,
      ...values,
      limit,
    );
    return found.map(toAudit);
  }
}

function throttleRecord(row: ThrottleRow): ThrottleRecord {
  return {
    key: row.key,
    windowStart: row.window_start,
    failures: row.failures,
    lockedUntil: row.locked_until,
    locks: row.locks,
    audited: row.audited,
    unaudited: row.unaudited,
  };
}
