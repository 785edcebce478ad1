/**
 * What the auth core needs from storage: records, the operations on them ({@link AuthOps}) and the
 * repository that runs them in transactions. Slow work (argon2) happens before a transaction.
 */
import type { AuditDraft, AuditEntry, AuditHead } from "./audit-chain.js";
import type { Dialect, Work } from "./sql-work.js";

/** Where a user's password is checked: the stored hash, or the directory (LDAP / AD). */
export type UserSource = "local" | "directory";

export interface UserRecord {
  id: number;
  name: string;
  /** "directory": signs in against LDAP / AD, role mapped from groups at each sign-in; `passwordHash` unused. */
  source: UserSource;
  role: string;
  passwordHash: string;
  disabled: boolean;
  /** Base32 TOTP secret; null when MFA is not enrolled. */
  mfaSecret: string | null;
  /** Time step of the last accepted TOTP code, so a code works once. */
  mfaLastStep: number | null;
  createdAt: number;
  updatedAt: number;
  passwordChangedAt: number;
  lastLoginAt: number | null;
}

/** A new user; `source` defaults to "local". */
export type NewUser = Omit<UserRecord, "id" | "source"> & { source?: UserSource };
export type UserPatch = Partial<Omit<UserRecord, "id" | "name" | "createdAt">>;

export interface SessionRecord {
  /** SHA-256 (hex) of the bearer token; the token itself is never stored. */
  tokenHash: string;
  userId: number;
  createdAt: number;
  lastSeenAt: number;
  lastAuthAt: number;
  /** Free-form client description (address, user agent), for the audit trail and session lists. */
  client: string | null;
}

/** Failed-attempt bookkeeping per counter (see throttle.ts for the keys). */
export interface ThrottleRecord {
  key: string;
  windowStart: number;
  failures: number;
  lockedUntil: number | null;
  /** Locks so far (each doubles the next one's length); kept across windows until the record is swept. */
  locks: number;
  /** Failures in this window audited one by one (address counters). */
  audited: number;
  /** Failures in this window not audited one by one (audited as one count when the window ends). */
  unaudited: number;
}

export interface AuditQuery {
  /** Cursor: return entries with seq greater than this. */
  afterSeq?: number;
  limit: number;
  actor?: string;
  action?: string;
}

/**
 * The auth operations, each a unit of work (see sql-work.ts) a transaction body yields with `yield*`.
 * Written once for both dialects (auth-ops.ts); a repository runs bodies over them.
 */
export interface AuthOps {
  findUserByName(name: string): Work<UserRecord | undefined>;
  findUserById(id: number): Work<UserRecord | undefined>;
  listUsers(): Work<UserRecord[]>;
  /** Throws AUTH_USER_EXISTS when the name (case-insensitively) is taken. */
  insertUser(user: NewUser): Work<UserRecord>;
  updateUser(id: number, patch: UserPatch): Work<void>;

  insertSession(session: SessionRecord): Work<void>;
  findSession(tokenHash: string): Work<SessionRecord | undefined>;
  updateSession(
    tokenHash: string,
    patch: Partial<Pick<SessionRecord, "lastSeenAt" | "lastAuthAt">>,
  ): Work<void>;
  deleteSession(tokenHash: string): Work<boolean>;
  deleteUserSessions(userId: number): Work<number>;
  /** Deletes sessions idle since before `idleBefore` or created before `createdBefore`. */
  deleteExpiredSessions(idleBefore: number, createdBefore: number): Work<number>;
  /** Sessions of the user seen since `seenSince` and created since `createdSince` (i.e. not expired). */
  countLiveSessions(userId: number, seenSince: number, createdSince: number): Work<number>;

  getThrottle(key: string): Work<ThrottleRecord | undefined>;
  putThrottle(record: ThrottleRecord): Work<void>;
  deleteThrottle(key: string): Work<void>;
  /** Records whose key starts with `prefix`. */
  listThrottles(prefix: string): Work<ThrottleRecord[]>;
  deleteThrottles(prefix: string): Work<number>;
  /** Deletes records whose window started before `windowBefore` and whose lock (if any) ended by `now`; returns them. */
  deleteStaleThrottles(windowBefore: number, now: number): Work<ThrottleRecord[]>;

  /**
   * Seals `draft` onto the chain (see audit-chain.ts) and stores it with the new head. The head row is
   * read under a write lock, so concurrent appends (other transactions, other engines) serialize.
   */
  appendAudit(draft: AuditDraft, now: number): Work<AuditEntry>;
  auditHead(): Work<AuditHead | undefined>;
  /** Up to `limit` entries after `afterSeq`, ascending (verification pages through the log). */
  auditPage(afterSeq: number, limit: number): Work<AuditEntry[]>;
  listAudit(query: AuditQuery): Work<AuditEntry[]>;
  /** Re-seals TOTP secrets not sealed under the current key; names users whose secret cannot be opened. */
  resealSecrets(): Work<{ sealed: number; unreadable: string[] }>;
}

/**
 * Where auth state lives: the engine's store database, SQLite or PostgreSQL. Asynchronous, and every
 * change runs as one unit of work in one transaction, so an audit append is atomic with the change it
 * records on both backends (see sql-work.ts for why the bodies are generators).
 */
export interface AuthRepository {
  readonly dialect: Dialect;
  /** Runs `body` atomically; writes serialize with every other auth write (other engines included). */
  transaction<T>(body: (tx: AuthOps) => Work<T>): Promise<T>;
  /**
   * Runs read-only `body` over one consistent snapshot without taking the write lock, so a long read
   * (audit verify) neither waits for nor blocks writers.
   */
  readTransaction<T>(body: (tx: AuthOps) => Work<T>): Promise<T>;
  /** Releases what the repository opened itself (a PostgreSQL pool); never the store's handle. */
  close(): Promise<void>;
}
