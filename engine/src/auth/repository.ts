/**
 * What the auth core needs from storage. Synchronous on purpose: the implementation is
 * better-sqlite3 on the message store's file, and an audit append must be atomic with the
 * change it records — a synchronous `transaction` gives that without letting other work on
 * the shared connection slip in between. Slow work (argon2) happens before a transaction.
 */
import type { AuditDraft, AuditEntry, AuditHead } from "./audit-chain.js";

export interface UserRecord {
  id: number;
  name: string;
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

export type NewUser = Omit<UserRecord, "id">;
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

export interface AuthRepository {
  /** Runs `fn` atomically; nested calls join the outer transaction. `fn` must not be async. */
  transaction<T>(fn: () => T): T;
  /**
   * Runs read-only `fn` over one consistent snapshot without taking the write lock, so a long
   * read (audit verify) neither waits for nor blocks writers. `fn` must not be async.
   */
  readTransaction<T>(fn: () => T): T;

  findUserByName(name: string): UserRecord | undefined;
  findUserById(id: number): UserRecord | undefined;
  listUsers(): UserRecord[];
  /** Throws AUTH_USER_EXISTS when the name (case-insensitively) is taken. */
  insertUser(user: NewUser): UserRecord;
  updateUser(id: number, patch: UserPatch): void;

  insertSession(session: SessionRecord): void;
  findSession(tokenHash: string): SessionRecord | undefined;
  updateSession(tokenHash: string, patch: Partial<Pick<SessionRecord, "lastSeenAt" | "lastAuthAt">>): void;
  deleteSession(tokenHash: string): boolean;
  deleteUserSessions(userId: number): number;
  /** Deletes sessions idle since before `idleBefore` or created before `createdBefore`. */
  deleteExpiredSessions(idleBefore: number, createdBefore: number): number;
  /** Sessions of the user seen since `seenSince` and created since `createdSince` (i.e. not expired). */
  countLiveSessions(userId: number, seenSince: number, createdSince: number): number;

  getThrottle(key: string): ThrottleRecord | undefined;
  putThrottle(record: ThrottleRecord): void;
  deleteThrottle(key: string): void;
  /** Records whose key starts with `prefix`. */
  listThrottles(prefix: string): ThrottleRecord[];
  deleteThrottles(prefix: string): number;
  /** Deletes records whose window started before `windowBefore` and whose lock (if any) ended by `now`; returns them. */
  deleteStaleThrottles(windowBefore: number, now: number): ThrottleRecord[];

  /** Seals `draft` onto the chain (see audit-chain.ts) and stores it with the new head. */
  appendAudit(draft: AuditDraft, now: number): AuditEntry;
  auditHead(): AuditHead | undefined;
  /** All entries in ascending seq order, lazily. */
  iterateAudit(): Iterable<AuditEntry>;
  listAudit(query: AuditQuery): AuditEntry[];
}
