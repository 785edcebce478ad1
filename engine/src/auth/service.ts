/**
 * Authentication and sessions over an {@link AuthRepository}: login with throttling and
 * MFA, bearer-token sessions with idle/absolute expiry, re-authentication for sensitive
 * actions, and the audit trail. Framework-free: the API adapts these calls to routes.
 */
import { needsRehash } from "argon2";
import { type Attempt, AttemptGate } from "./attempt-gate.js";
import { AUDIT_ACTIONS, type AuditAction } from "./audit-actions.js";
import { type AuditEntry, type AuditVerification, verifyChain } from "./audit-chain.js";
import { AuthError } from "./errors.js";
import { dummyHash, hashPassword, verifyPassword } from "./password.js";
import { can, isRole, type Permission } from "./permissions.js";
import { type AuthPolicy, resolvePolicy } from "./policy.js";
import type { AuditQuery, AuthRepository, UserRecord } from "./repository.js";
import {
  type ClientInfo,
  describeClient,
  isRecentAuth,
  type Session,
  sessionRef,
  toSession,
} from "./session.js";
import { hashToken, looksLikeToken, newSessionToken } from "./tokens.js";
import { matchTotp } from "./totp.js";
import { isValidUsername } from "./username.js";

export interface AuthServiceOptions {
  policy?: Partial<AuthPolicy>;
  /** Clock in epoch milliseconds; tests inject one instead of sleeping. */
  now?: () => number;
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

const invalidCredentials = () => new AuthError("AUTH_INVALID_CREDENTIALS", "invalid user name or password");

export class AuthService {
  readonly policy: Readonly<AuthPolicy>;
  readonly #repo: AuthRepository;
  readonly #now: () => number;
  readonly #gate: AttemptGate;

  constructor(repo: AuthRepository, opts: AuthServiceOptions = {}) {
    this.#repo = repo;
    this.policy = Object.freeze(resolvePolicy(opts.policy));
    this.#now = opts.now ?? Date.now;
    this.#gate = new AttemptGate(repo, this.policy, (actor, action, target, details) => {
      this.#audit(actor, action, target, details);
    });
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
    const attempt = this.#gate.open("login", username, req.client?.address, client, now);
    const user = valid ? this.#repo.findUserByName(username) : undefined;
    const stored = user?.passwordHash ?? (await dummyHash(this.policy.hash));
    const passwordOk = await verifyPassword(stored, typeof req.password === "string" ? req.password : "");

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
      this.#gate.fail(attempt, reason ?? "unknown_user");
      throw invalidCredentials();
    }
    const step = this.#checkMfa(attempt, user, req.totp);

    const token = newSessionToken();
    const tokenHash = hashToken(token);
    const record = { tokenHash, userId: user.id, createdAt: now, lastSeenAt: now, lastAuthAt: now, client };
    const reused = this.#repo.transaction(() => {
      if (step !== undefined && this.#stepUsed(user.id, step)) return true;
      this.#gate.succeed(attempt);
      this.#repo.updateUser(user.id, { lastLoginAt: now, ...(step !== undefined && { mfaLastStep: step }) });
      this.#repo.insertSession(record);
      this.#audit(user.name, AUDIT_ACTIONS.login, `user:${user.name}`, {
        session: sessionRef(tokenHash),
        mfa: step !== undefined,
        client,
      });
      return false;
    });
    if (reused) {
      this.#gate.fail(attempt, "totp_reused");
      throw new AuthError("AUTH_MFA_INVALID", "invalid or already used TOTP code");
    }
    await this.#upgradeHash(user, req.password);
    return { token, session: toSession(record, user, user.role as Session["role"], this.policy) };
  }

  /**
   * The live session for a bearer token, or AUTH_SESSION_INVALID / AUTH_SESSION_EXPIRED.
   * Reads the user each time, so disabling a user or changing a role takes effect at once.
   * `touch: false` checks without extending the idle timeout (e.g. a WebSocket re-check).
   */
  authenticate(token: unknown, opts: { touch?: boolean } = {}): Session {
    if (!looksLikeToken(token)) {
      throw new AuthError("AUTH_SESSION_INVALID", "missing or malformed bearer token");
    }
    const now = this.#now();
    const tokenHash = hashToken(token);
    const record = this.#repo.findSession(tokenHash);
    if (!record) throw new AuthError("AUTH_SESSION_INVALID", "unknown or ended session; log in again");
    if (
      now - record.lastSeenAt >= this.policy.sessionIdleMs ||
      now - record.createdAt >= this.policy.sessionAbsoluteMs
    ) {
      this.#repo.deleteSession(tokenHash);
      throw new AuthError("AUTH_SESSION_EXPIRED", "session expired; log in again");
    }
    const user = this.#repo.findUserById(record.userId);
    if (!user || user.disabled || !isRole(user.role)) {
      this.#repo.deleteSession(tokenHash);
      throw new AuthError("AUTH_SESSION_INVALID", "unknown or ended session; log in again");
    }
    if (opts.touch !== false) {
      this.#repo.updateSession(tokenHash, { lastSeenAt: now });
      record.lastSeenAt = now;
    }
    return toSession(record, user, user.role, this.policy);
  }

  /** Ends the session. Idempotent: an unknown token returns false. */
  logout(token: unknown): boolean {
    if (!looksLikeToken(token)) return false;
    const tokenHash = hashToken(token);
    return this.#repo.transaction(() => {
      const record = this.#repo.findSession(tokenHash);
      if (!record || !this.#repo.deleteSession(tokenHash)) return false;
      const name = this.#repo.findUserById(record.userId)?.name ?? `user#${record.userId}`;
      this.#audit(name, AUDIT_ACTIONS.logout, `user:${name}`, { session: sessionRef(tokenHash) });
      return true;
    });
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
    const session = this.authenticate(token);
    const now = this.#now();
    const attempt = this.#gate.open(
      "reauth",
      session.username,
      clientInfo?.address,
      describeClient(clientInfo),
      now,
    );
    const user = this.#repo.findUserById(session.userId);
    const ok = user !== undefined && (await verifyPassword(user.passwordHash, password));
    if (!user || !ok) {
      if (this.#gate.fail(attempt, "bad_password")) this.#repo.deleteSession(session.id);
      throw invalidCredentials();
    }
    const step = this.#checkMfa(attempt, user, totp, session.id);
    const reused = this.#repo.transaction(() => {
      if (step !== undefined && this.#stepUsed(user.id, step)) return true;
      this.#gate.succeed(attempt);
      if (step !== undefined) this.#repo.updateUser(user.id, { mfaLastStep: step });
      this.#repo.updateSession(session.id, { lastAuthAt: now, lastSeenAt: now });
      this.#audit(user.name, AUDIT_ACTIONS.reauth, `user:${user.name}`, { session: sessionRef(session.id) });
      return false;
    });
    if (reused) {
      if (this.#gate.fail(attempt, "totp_reused")) this.#repo.deleteSession(session.id);
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
  ): AuditEntry {
    return this.#audit(typeof actor === "string" ? actor : actor.username, action, target, details);
  }

  listAudit(query: AuditQuery): AuditEntry[] {
    return this.#repo.listAudit(query);
  }

  verifyAudit(): AuditVerification {
    // One read snapshot for the head and the rows; no write lock (it may walk a long log).
    return this.#repo.readTransaction(() => verifyChain(this.#repo.iterateAudit(), this.#repo.auditHead()));
  }

  /** Deletes expired sessions and stale throttle records (auditing failures they held back); call periodically. */
  sweep(now: number = this.#now()): { sessions: number; throttles: number } {
    return this.#repo.transaction(() => ({
      sessions: this.#repo.deleteExpiredSessions(
        now - this.policy.sessionIdleMs,
        now - this.policy.sessionAbsoluteMs,
      ),
      throttles: this.#gate.sweep(now),
    }));
  }

  #audit(actor: string, action: AuditAction, target?: string, details?: Record<string, unknown>): AuditEntry {
    return this.#repo.appendAudit({ actor, action, target, details }, this.#now());
  }

  /** The accepted TOTP step, undefined when the user has no MFA and none is required. */
  #checkMfa(attempt: Attempt, user: UserRecord, totp: unknown, sessionId?: string): number | undefined {
    const now = attempt.now;
    if (user.mfaSecret === null) {
      if (!this.policy.mfaRequiredRoles.includes(user.role)) return undefined;
      this.#gate.forgive(attempt, "mfa_not_enrolled");
      throw new AuthError(
        "AUTH_MFA_ENROLMENT_REQUIRED",
        `role "${user.role}" requires MFA; enrol it first with: messagefoundry user mfa ${user.name} --db FILE`,
      );
    }
    if (totp === undefined || totp === null || totp === "") {
      this.#gate.forgive(attempt, "mfa_required");
      throw new AuthError("AUTH_MFA_REQUIRED", "a TOTP code is required");
    }
    // Typed input can still arrive as a number from a careless client: treat it as invalid.
    const step =
      typeof totp === "string" ? matchTotp(user.mfaSecret, totp, now, this.policy.totpWindow) : undefined;
    const reused = step !== undefined && user.mfaLastStep !== null && step <= user.mfaLastStep;
    if (step === undefined || reused) {
      const locked = this.#gate.fail(attempt, reused ? "totp_reused" : "bad_totp");
      if (locked && sessionId !== undefined) this.#repo.deleteSession(sessionId);
      throw new AuthError("AUTH_MFA_INVALID", "invalid or already used TOTP code");
    }
    return step;
  }

  #stepUsed(userId: number, step: number): boolean {
    const last = this.#repo.findUserById(userId)?.mfaLastStep ?? null;
    return last !== null && step <= last;
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
      this.#repo.updateUser(user.id, { passwordHash, updatedAt: this.#now() });
    } catch {
      // The login already succeeded; the upgrade is retried at the next one.
    }
  }
}
