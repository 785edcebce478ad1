/**
 * {@link AuthRepository} over a better-sqlite3 handle owned by the caller (normally the
 * message store's). Creates/migrates the `auth_*` tables on construction; never closes the
 * handle and never changes connection-wide pragmas.
 */
import type BetterSqlite3 from "better-sqlite3";
import { type AuditDraft, type AuditEntry, type AuditHead, sealEntry } from "./audit-chain.js";
import { AuthError } from "./errors.js";
import type {
  AuditQuery,
  AuthRepository,
  NewUser,
  SessionRecord,
  ThrottleRecord,
  UserPatch,
  UserRecord,
} from "./repository.js";
import { mfaSecretAad, type SecretSealer, UNSEALED } from "./secret-seal.js";
import { migrateAuthSchema } from "./sqlite-migrations.js";

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

export interface SqliteAuthRepositoryOptions {
  /** Seals TOTP secrets at rest (the store key); default: unsealed (no store key). */
  sealer?: SecretSealer;
}

export class SqliteAuthRepository implements AuthRepository {
  readonly #db: BetterSqlite3.Database;
  readonly #s;
  readonly #sealer: SecretSealer;

  constructor(db: BetterSqlite3.Database, opts: SqliteAuthRepositoryOptions = {}) {
    this.#db = db;
    this.#sealer = opts.sealer ?? UNSEALED;
    migrateAuthSchema(db);
    const p = <R>(sql: string) => db.prepare<unknown[], R>(sql);
    this.#s = {
      userByName: p<UserRow>("SELECT * FROM auth_users WHERE name = ? COLLATE NOCASE"),
      userById: p<UserRow>("SELECT * FROM auth_users WHERE id = ?"),
      users: p<UserRow>("SELECT * FROM auth_users ORDER BY name COLLATE NOCASE"),
      insertUser: p<never>(
        `INSERT INTO auth_users (name, role, password_hash, disabled, mfa_secret, mfa_last_step,
           created_at, updated_at, password_changed_at, last_login_at)
         VALUES (@name, @role, @password_hash, @disabled, @mfa_secret, @mfa_last_step,
           @created_at, @updated_at, @password_changed_at, @last_login_at)`,
      ),
      insertSession: p<never>(
        `INSERT INTO auth_sessions (token_hash, user_id, created_at, last_seen_at, last_auth_at, client)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      session: p<SessionRow>("SELECT * FROM auth_sessions WHERE token_hash = ?"),
      touchSession: p<never>("UPDATE auth_sessions SET last_seen_at = ? WHERE token_hash = ?"),
      markAuth: p<never>("UPDATE auth_sessions SET last_auth_at = ? WHERE token_hash = ?"),
      deleteSession: p<never>("DELETE FROM auth_sessions WHERE token_hash = ?"),
      deleteUserSessions: p<never>("DELETE FROM auth_sessions WHERE user_id = ?"),
      deleteExpired: p<never>("DELETE FROM auth_sessions WHERE last_seen_at < ? OR created_at < ?"),
      countLive: p<{ n: number }>(
        "SELECT COUNT(*) AS n FROM auth_sessions WHERE user_id = ? AND last_seen_at > ? AND created_at > ?",
      ),
      throttle: p<ThrottleRow>("SELECT * FROM auth_throttle WHERE key = ?"),
      putThrottle: p<never>(
        `INSERT INTO auth_throttle (key, window_start, failures, locked_until, locks, audited, unaudited)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start,
           failures = excluded.failures, locked_until = excluded.locked_until,
           locks = excluded.locks, audited = excluded.audited, unaudited = excluded.unaudited`,
      ),
      deleteThrottle: p<never>("DELETE FROM auth_throttle WHERE key = ?"),
      // substr, not LIKE: user names may contain _ (a LIKE wildcard).
      listThrottles: p<ThrottleRow>("SELECT * FROM auth_throttle WHERE substr(key, 1, length(?)) = ?"),
      deleteThrottles: p<never>("DELETE FROM auth_throttle WHERE substr(key, 1, length(?)) = ?"),
      deleteStaleThrottles: p<ThrottleRow>(
        `DELETE FROM auth_throttle WHERE window_start < ? AND (locked_until IS NULL OR locked_until <= ?)
         RETURNING *`,
      ),
      head: p<{ seq: number; hash: string }>("SELECT seq, hash FROM auth_audit_head WHERE id = 1"),
      moveHead: p<never>("UPDATE auth_audit_head SET seq = ?, hash = ? WHERE id = 1"),
      insertAudit: p<never>(
        `INSERT INTO auth_audit (seq, time, actor, action, target, details, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      allAudit: p<AuditRow>("SELECT * FROM auth_audit ORDER BY seq"),
    };
  }

  transaction<T>(fn: () => T): T {
    // IMMEDIATE takes the write lock up front: a CLI and the engine writing the same file
    // then queue on busy_timeout instead of failing a read→write upgrade.
    return this.#db.transaction(fn).immediate();
  }

  readTransaction<T>(fn: () => T): T {
    // DEFERRED: under WAL the first read pins a snapshot and no lock is taken on the shared file.
    return this.#db.transaction(fn).deferred();
  }

  findUserByName(name: string): UserRecord | undefined {
    const row = this.#s.userByName.get(name);
    return row && toUser(row, this.#sealer);
  }

  findUserById(id: number): UserRecord | undefined {
    const row = this.#s.userById.get(id);
    return row && toUser(row, this.#sealer);
  }

  listUsers(): UserRecord[] {
    return this.#s.users.all().map((r) => toUser(r, this.#sealer));
  }

  insertUser(user: NewUser): UserRecord {
    return this.transaction(() => {
      if (this.#s.userByName.get(user.name)) {
        throw new AuthError("AUTH_USER_EXISTS", `user "${user.name}" already exists`);
      }
      const result = this.#s.insertUser.run({
        name: user.name,
        role: user.role,
        password_hash: user.passwordHash,
        disabled: user.disabled ? 1 : 0,
        mfa_secret: null,
        mfa_last_step: user.mfaLastStep,
        created_at: user.createdAt,
        updated_at: user.updatedAt,
        password_changed_at: user.passwordChangedAt,
        last_login_at: user.lastLoginAt,
      });
      const id = Number(result.lastInsertRowid);
      // Sealed under the row's id, which exists only now.
      if (user.mfaSecret !== null) this.updateUser(id, { mfaSecret: user.mfaSecret });
      return { ...user, id };
    });
  }

  updateUser(id: number, patch: UserPatch): void {
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
    this.#db.prepare(`UPDATE auth_users SET ${sets.join(", ")} WHERE id = ?`).run(...values, id);
  }

  /**
   * Seals every TOTP secret not sealed under the current key: clear ones written without a key (or
   * before sealing existed) and ones under an old key (`key rotate`). One that cannot be opened (its
   * key is gone) is left as it is and named in `unreadable`: that user fails MFA until re-enrolled.
   */
  resealSecrets(): { sealed: number; unreadable: string[] } {
    const result = { sealed: 0, unreadable: [] as string[] };
    if (!this.#sealer.encrypted) return result;
    return this.transaction(() => {
      for (const row of this.#s.users.all()) {
        if (row.mfa_secret === null || this.#sealer.isCurrent(row.mfa_secret)) continue;
        let plain: string;
        try {
          plain = this.#sealer.open(row.mfa_secret, mfaSecretAad(row.id));
        } catch {
          result.unreadable.push(row.name);
          continue;
        }
        this.updateUser(row.id, { mfaSecret: plain });
        result.sealed++;
      }
      return result;
    });
  }

  insertSession(s: SessionRecord): void {
    this.#s.insertSession.run(s.tokenHash, s.userId, s.createdAt, s.lastSeenAt, s.lastAuthAt, s.client);
  }

  findSession(tokenHash: string): SessionRecord | undefined {
    const row = this.#s.session.get(tokenHash);
    return row && toSession(row);
  }

  updateSession(tokenHash: string, patch: Partial<Pick<SessionRecord, "lastSeenAt" | "lastAuthAt">>): void {
    if (patch.lastSeenAt !== undefined) this.#s.touchSession.run(patch.lastSeenAt, tokenHash);
    if (patch.lastAuthAt !== undefined) this.#s.markAuth.run(patch.lastAuthAt, tokenHash);
  }

  deleteSession(tokenHash: string): boolean {
    return this.#s.deleteSession.run(tokenHash).changes > 0;
  }

  deleteUserSessions(userId: number): number {
    return this.#s.deleteUserSessions.run(userId).changes;
  }

  deleteExpiredSessions(idleBefore: number, createdBefore: number): number {
    return this.#s.deleteExpired.run(idleBefore, createdBefore).changes;
  }

  countLiveSessions(userId: number, seenSince: number, createdSince: number): number {
    return this.#s.countLive.get(userId, seenSince, createdSince)?.n ?? 0;
  }

  getThrottle(key: string): ThrottleRecord | undefined {
    const row = this.#s.throttle.get(key);
    return row && throttleRecord(row);
  }

  putThrottle(r: ThrottleRecord): void {
    this.#s.putThrottle.run(r.key, r.windowStart, r.failures, r.lockedUntil, r.locks, r.audited, r.unaudited);
  }

  deleteThrottle(key: string): void {
    this.#s.deleteThrottle.run(key);
  }

  listThrottles(prefix: string): ThrottleRecord[] {
    return this.#s.listThrottles.all(prefix, prefix).map(throttleRecord);
  }

  deleteThrottles(prefix: string): number {
    return this.#s.deleteThrottles.run(prefix, prefix).changes;
  }

  deleteStaleThrottles(windowBefore: number, now: number): ThrottleRecord[] {
    return this.#s.deleteStaleThrottles.all(windowBefore, now).map(throttleRecord);
  }

  appendAudit(draft: AuditDraft, now: number): AuditEntry {
    return this.transaction(() => {
      const head = this.auditHead();
      if (!head) throw new Error("auth_audit_head is missing: the audit log was tampered with");
      const e = sealEntry(head, draft, now);
      this.#s.insertAudit.run(e.seq, e.time, e.actor, e.action, e.target, e.details, e.prevHash, e.hash);
      this.#s.moveHead.run(e.seq, e.hash);
      return e;
    });
  }

  auditHead(): AuditHead | undefined {
    return this.#s.head.get();
  }

  *iterateAudit(): Iterable<AuditEntry> {
    for (const row of this.#s.allAudit.iterate()) yield toAudit(row);
  }

  listAudit(q: AuditQuery): AuditEntry[] {
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
    return this.#db
      .prepare<unknown[], AuditRow>(
        `SELECT * FROM auth_audit WHERE ${where.join(" AND ")} ORDER BY seq LIMIT ?`,
      )
      .all(...values, limit)
      .map(toAudit);
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
