/**
 * Authentication and sessions over an {@link AuthRepository}: login with throttling and
 * MFA, bearer-token sessions with idle/absolute expiry, re-authentication for sensitive
 * actions, and the audit trail. Framework-free: the API adapts these calls to routes.
 */
import { needsRehash } from "argon2";
import { type Attempt, AttemptGate, type AuditWork } from "./attempt-gate.js";
import { AUDIT_ACTIONS, type AuditAction } from "./audit-actions.js";
import { type AuditEntry, type AuditVerification, ChainWalker } from "./audit-chain.js";
import type { Directory } from "./directory.js";
import { DirectorySignIn } from "./directory-sign-in.js";
import { AuthError } from "./errors.js";
import { dummyHash, hashPassword, verifyPassword } from "./password.js";
import { can, isRole, type Permission } from "./permissions.js";
import { type AuthPolicy, resolvePolicy } from "./policy.js";
import type { AuditQuery, AuthOps, AuthRepository, SessionRecord, UserRecord } from "./repository.js";
import {
  type ClientInfo,
  describeClient,
  isRecentAuth,
  type Session,
  sessionRef,
  toSession,
} from "./session.js";
import type { Work } from "./sql-work.js";
import { hashToken, looksLikeToken, newSessionToken } from "./tokens.js";
import { matchTotp } from "./totp.js";
import { isValidUsername } from "./username.js";

export interface AuthServiceOptions {
  policy?: Partial<AuthPolicy>;
  /** Clock in epoch milliseconds; tests inject one instead of sleeping. */
  now?: () => number;
  /**
   * Directory sign-in (LDAP / AD, `[auth.ldap]`): a name with no local user, or a user recorded with
   * source "directory", signs in against it. Local users (the break-glass administrator) never do.
   */
  directory?: Directory;
}

export interface LoginRequest {
  username: string;
  password: string;
  /** The 6-digit code, required once the user has MFA enrolled. */
  totp?: string | undefined;
  client?: ClientInfo | undefined;
}

export interface LoginResult {
  /** The bearer token. Shown once; only its hash is stored. */
  token: string;
  session: Session;
}

/** Audit entries read per statement while verifying (a long log is walked page by page). */
const AUDIT_PAGE = 1000;

const invalidCredentials = () => new AuthError("AUTH_INVALID_CREDENTIALS", "invalid user name or password");

export class AuthService {
  readonly policy: Readonly<AuthPolicy>;
  readonly #repo: AuthRepository;
  readonly #now: () => number;
  readonly #gate: AttemptGate;
  readonly #directory: DirectorySignIn | undefined;

  constructor(repo: AuthRepository, opts: AuthServiceOptions = {}) {
    this.#repo = repo;
    this.policy = Object.freeze(resolvePolicy(opts.policy));
    this.#now = opts.now ?? Date.now;
    const audit: AuditWork = (tx, actor, action, target, details) =>
      this.#audit(tx, actor, action, target, details);
    this.#gate = new AttemptGate(repo, this.policy, audit);
    this.#directory = opts.directory && new DirectorySignIn(repo, this.#gate, opts.directory, audit);
    // Warm the dummy hash so the first unknown-user login is not measurably slower.
    dummyHash(this.policy.hash).catch(() => undefined);
  }

  now(): number {
    return this.#now();
  }

  /** Checks credentials (and TOTP when enrolled or required) and opens a session. */
  async login(req: LoginRequest): Promise<LoginResult> {
    const now = this.#now();
    const client = describeClient(req.client);
    const valid = isValidUsername(req.username);
    // An invalid name is throttled and costs an argon2 check like any other miss.
    const username = valid ? req.username : "(invalid)";
    const attempt = await this.#gate.open("login", username, req.client?.address, client, now);
    const found = valid ? await this.#repo.readTransaction((tx) => tx.findUserByName(username)) : undefined;
    const password = typeof req.password === "string" ? req.password : "";
    const user =
      this.#directory && valid && (!found || found.source === "directory")
        ? await this.#directory.login(attempt, password, found)
        : await this.#checkLocal(attempt, valid, found, password);
    const step = await this.#checkMfa(attempt, user, req.totp);

    const token = newSessionToken();
    const tokenHash = hashToken(token);
    const record = { tokenHash, userId: user.id, createdAt: now, lastSeenAt: now, lastAuthAt: now, client };
    const reused = await this.#repo.transaction((tx) => this.#openSession(tx, attempt, user, step, record));
    if (reused) {
      await this.#gate.fail(attempt, "totp_reused");
      throw new AuthError("AUTH_MFA_INVALID", "invalid or already used TOTP code");
    }
    if (user.source === "local") await this.#upgradeHash(user, password);
    return { token, session: toSession(record, user, user.role as Session["role"], this.policy) };
  }

  /** A local user's password check (argon2; a dummy hash for unknown names, so misses take the same time). */
  async #checkLocal(
    attempt: Attempt,
    valid: boolean,
    user: UserRecord | undefined,
    password: string,
  ): Promise<UserRecord> {
    const stored = user?.passwordHash ?? (await dummyHash(this.policy.hash));
    const passwordOk = await verifyPassword(stored, password);

    const reason = !valid
      ? "invalid_username"
      : !user
        ? "unknown_user"
        : !passwordOk
          ? "bad_password"
          : user.disabled
            ? "disabled"
            : !isRole(user.role)
              ? "invalid_role"
              : undefined;
    if (!user || reason !== undefined) {
      await this.#gate.fail(attempt, reason ?? "unknown_user");
      throw invalidCredentials();
    }
    return user;
  }

  /**
   * The live session for a bearer token, or AUTH_SESSION_INVALID / AUTH_SESSION_EXPIRED.
   * Reads the user each time, so disabling a user or changing a role takes effect at once.
   * `touch: false` checks without extending the idle timeout (e.g. a WebSocket re-check).
   */
  async authenticate(token: unknown, opts: { touch?: boolean } = {}): Promise<Session> {
    if (!looksLikeToken(token)) {
      throw new AuthError("AUTH_SESSION_INVALID", "missing or malformed bearer token");
    }
    const now = this.#now();
    const tokenHash = hashToken(token);
    const found = await this.#repo.transaction((tx) =>
      this.#liveSession(tx, tokenHash, now, opts.touch !== false),
    );
    if (typeof found === "string") {
      throw found === "expired"
        ? new AuthError("AUTH_SESSION_EXPIRED", "session expired; log in again")
        : new AuthError("AUTH_SESSION_INVALID", "unknown or ended session; log in again");
    }
    return toSession(found.record, found.user, found.user.role as Session["role"], this.policy);
  }

  /** Ends the session. Idempotent: an unknown token returns false. */
  logout(token: unknown): Promise<boolean> {
    if (!looksLikeToken(token)) return Promise.resolve(false);
    const tokenHash = hashToken(token);
    return this.#repo.transaction((tx) => this.#endSession(tx, tokenHash));
  }

  *#endSession(tx: AuthOps, tokenHash: string): Work<boolean> {
    const record = yield* tx.findSession(tokenHash);
    if (!record || !(yield* tx.deleteSession(tokenHash))) return false;
    const name = (yield* tx.findUserById(record.userId))?.name ?? `user#${record.userId}`;
    yield* this.#audit(tx, name, AUDIT_ACTIONS.logout, `user:${name}`, { session: sessionRef(tokenHash) });
    return true;
  }

  /** The session and its user, or why there is none (an expired or orphaned session is deleted). */
  *#liveSession(
    tx: AuthOps,
    tokenHash: string,
    now: number,
    touch: boolean,
  ): Work<{ record: SessionRecord; user: UserRecord } | "invalid" | "expired"> {
    const record = yield* tx.findSession(tokenHash);
    if (!record) return "invalid";
    if (
      now - record.lastSeenAt >= this.policy.sessionIdleMs ||
      now - record.createdAt >= this.policy.sessionAbsoluteMs
    ) {
      yield* tx.deleteSession(tokenHash);
      return "expired";
    }
    const user = yield* tx.findUserById(record.userId);
    if (!user || user.disabled || !isRole(user.role)) {
      yield* tx.deleteSession(tokenHash);
      return "invalid";
    }
    if (touch) {
      yield* tx.updateSession(tokenHash, { lastSeenAt: now });
      record.lastSeenAt = now;
    }
    return { record, user };
  }

  /** Login's last step: true when the TOTP step was used meanwhile, else the session is stored and audited. */
  *#openSession(
    tx: AuthOps,
    attempt: Attempt,
    user: UserRecord,
    step: number | undefined,
    record: SessionRecord,
  ): Work<boolean> {
    if (step !== undefined && (yield* this.#stepUsed(tx, user.id, step))) return true;
    yield* this.#gate.succeed(tx, attempt);
    yield* tx.updateUser(user.id, {
      lastLoginAt: attempt.now,
      ...(step !== undefined && { mfaLastStep: step }),
    });
    yield* tx.insertSession(record);
    yield* this.#audit(tx, user.name, AUDIT_ACTIONS.login, `user:${user.name}`, {
      session: sessionRef(record.tokenHash),
      mfa: step !== undefined,
      client: record.client,
    });
    return false;
  }

  /**
   * Confirms the password (and TOTP when enrolled) for an open session and marks it as
   * recently authenticated. Failures count toward the same lockout as logins from the same
   * client address; a lock triggered here also ends this session.
   */
  async reauthenticate(
    token: unknown,
    password: string,
    totp?: string,
    clientInfo?: ClientInfo,
  ): Promise<Session> {
    const session = await this.authenticate(token);
    const now = this.#now();
    const attempt = await this.#gate.open(
      "reauth",
      session.username,
      clientInfo?.address,
      describeClient(clientInfo),
      now,
    );
    const user = await this.#repo.readTransaction((tx) => tx.findUserById(session.userId));
    const ok =
      user !== undefined &&
      (user.source === "directory" && this.#directory
        ? await this.#directory.confirm(attempt, password)
        : await verifyPassword(user.passwordHash, password));
    if (!user || !ok) {
      await this.#failEnding(attempt, "bad_password", session.id);
      throw invalidCredentials();
    }
    const step = await this.#checkMfa(attempt, user, totp, session.id);
    const reused = await this.#repo.transaction((tx) => this.#confirm(tx, attempt, user, step, session.id));
    if (reused) {
      await this.#failEnding(attempt, "totp_reused", session.id);
      throw new AuthError("AUTH_MFA_INVALID", "invalid or already used TOTP code");
    }
    return { ...session, lastSeenAt: now, lastAuthAt: now };
  }

  /** Throws AUTH_REAUTH_REQUIRED unless the password was entered within `policy.recentAuthMs`. */
  requireRecentAuth(session: Pick<Session, "lastAuthAt">, now: number = this.#now()): void {
    if (!isRecentAuth(session, now, this.policy.recentAuthMs)) {
      throw new AuthError(
        "AUTH_REAUTH_REQUIRED",
        `this action needs the password confirmed within the last ${Math.round(this.policy.recentAuthMs / 60_000)} minutes; re-authenticate first`,
      );
    }
  }

  /** Throws AUTH_FORBIDDEN unless the session's role grants `permission`. */
  requirePermission(session: Pick<Session, "role">, permission: Permission): void {
    if (!can(session.role, permission)) {
      throw new AuthError("AUTH_FORBIDDEN", `role "${session.role}" lacks permission ${permission}`);
    }
  }

  /** Appends an audit entry; `actor` is the acting session (or a system name such as "engine"). */
  recordAudit(
    actor: Pick<Session, "username"> | string,
    action: AuditAction,
    target?: string,
    details?: Record<string, unknown>,
  ): Promise<AuditEntry> {
    const name = typeof actor === "string" ? actor : actor.username;
    return this.#repo.transaction((tx) => this.#audit(tx, name, action, target, details));
  }

  listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.#repo.readTransaction((tx) => tx.listAudit(query));
  }

  /** The sequence number of the newest audit entry (0 for an empty log). */
  async auditHeadSeq(): Promise<number> {
    return Number((await this.#repo.readTransaction((tx) => tx.auditHead()))?.seq ?? 0);
  }

  verifyAudit(): Promise<AuditVerification> {
    // One read snapshot for the head and the rows; no write lock (it may walk a long log).
    return this.#repo.readTransaction(function* (tx) {
      const walker = new ChainWalker();
      for (let page = yield* tx.auditPage(0, AUDIT_PAGE); ; ) {
        for (const entry of page) if (!walker.add(entry)) return walker.result();
        const last = page[page.length - 1];
        if (page.length < AUDIT_PAGE || !last) break;
        page = yield* tx.auditPage(last.seq, AUDIT_PAGE);
      }
      return walker.finish(yield* tx.auditHead());
    });
  }

  /** Deletes expired sessions and stale throttle records (auditing failures they held back); call periodically. */
  sweep(now: number = this.#now()): Promise<{ sessions: number; throttles: number }> {
    return this.#repo.transaction((tx) => this.#sweep(tx, now));
  }

  *#sweep(tx: AuthOps, now: number): Work<{ sessions: number; throttles: number }> {
    const sessions = yield* tx.deleteExpiredSessions(
      now - this.policy.sessionIdleMs,
      now - this.policy.sessionAbsoluteMs,
    );
    return { sessions, throttles: yield* this.#gate.sweep(tx, now) };
  }

  #audit(
    tx: AuthOps,
    actor: string,
    action: AuditAction,
    target?: string,
    details?: Record<string, unknown>,
  ): Work<AuditEntry> {
    return tx.appendAudit({ actor, action, target, details }, this.#now());
  }

  /** A failed check; a lock it triggers also ends the session it was made in. */
  async #failEnding(attempt: Attempt, reason: string, sessionId: string | undefined): Promise<void> {
    await this.#repo.transaction((tx) => this.#failEndingWork(tx, attempt, reason, sessionId));
  }

  *#failEndingWork(tx: AuthOps, attempt: Attempt, reason: string, sessionId: string | undefined): Work<void> {
    const locked = yield* this.#gate.failWork(tx, attempt, reason);
    if (locked && sessionId !== undefined) yield* tx.deleteSession(sessionId);
  }

  /** The accepted TOTP step, undefined when the user has no MFA and none is required. */
  async #checkMfa(
    attempt: Attempt,
    user: UserRecord,
    totp: unknown,
    sessionId?: string,
  ): Promise<number | undefined> {
    const now = attempt.now;
    if (user.mfaSecret === null) {
      if (!this.policy.mfaRequiredRoles.includes(user.role)) return undefined;
      await this.#gate.forgive(attempt, "mfa_not_enrolled");
      throw new AuthError(
        "AUTH_MFA_ENROLMENT_REQUIRED",
        `role "${user.role}" requires MFA; enrol it first with: messagefoundry user mfa ${user.name} --db FILE (or --settings FILE)`,
      );
    }
    if (totp === undefined || totp === null || totp === "") {
      await this.#gate.forgive(attempt, "mfa_required");
      throw new AuthError("AUTH_MFA_REQUIRED", "a TOTP code is required");
    }
    // Typed input can still arrive as a number from a careless client: treat it as invalid.
    const step =
      typeof totp === "string" ? matchTotp(user.mfaSecret, totp, now, this.policy.totpWindow) : undefined;
    const reused = step !== undefined && user.mfaLastStep !== null && step <= user.mfaLastStep;
    if (step === undefined || reused) {
      await this.#failEnding(attempt, reused ? "totp_reused" : "bad_totp", sessionId);
      throw new AuthError("AUTH_MFA_INVALID", "invalid or already used TOTP code");
    }
    return step;
  }

  *#stepUsed(tx: AuthOps, userId: number, step: number): Work<boolean> {
    const last = (yield* tx.findUserById(userId))?.mfaLastStep ?? null;
    return last !== null && step <= last;
  }

  /** Re-authentication's last step: true when the TOTP step was used meanwhile, else the session is marked. */
  *#confirm(
    tx: AuthOps,
    attempt: Attempt,
    user: UserRecord,
    step: number | undefined,
    sessionId: string,
  ): Work<boolean> {
    if (step !== undefined && (yield* this.#stepUsed(tx, user.id, step))) return true;
    yield* this.#gate.succeed(tx, attempt);
    if (step !== undefined) yield* tx.updateUser(user.id, { mfaLastStep: step });
    yield* tx.updateSession(sessionId, { lastAuthAt: attempt.now, lastSeenAt: attempt.now });
    yield* this.#audit(tx, user.name, AUDIT_ACTIONS.reauth, `user:${user.name}`, {
      session: sessionRef(sessionId),
    });
    return false;
  }

  /** Re-hashes with the current cost after a successful login when the policy got stronger. */
  async #upgradeHash(user: UserRecord, password: string): Promise<void> {
    let stale: boolean;
    try {
      stale = needsRehash(user.passwordHash, this.policy.hash);
    } catch {
      return;
    }
    if (!stale) return;
    try {
      const passwordHash = await hashPassword(password, this.policy.hash);
      await this.#repo.transaction((tx) => tx.updateUser(user.id, { passwordHash, updatedAt: this.#now() }));
    } catch {
      // The login already succeeded; the upgrade is retried at the next one.
    }
  }
}
