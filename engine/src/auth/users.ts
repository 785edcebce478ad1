/**
 * User administration: create users, change passwords, roles and MFA, disable/enable.
 * Used by the CLI (see admin.ts) and by the API's users:manage routes. Every change is
 * audited with the acting user in the same transaction as the change itself.
 */
import { AUDIT_ACTIONS, type AuditAction } from "./audit-actions.js";
import { AuthError } from "./errors.js";
import { checkPasswordPolicy, hashPassword } from "./password.js";
import { isRole, ROLES, type Role } from "./permissions.js";
import { type AuthPolicy, resolvePolicy } from "./policy.js";
import type { AuthRepository, UserRecord } from "./repository.js";
import { lockRemaining, userKeyPrefix } from "./throttle.js";
import { newTotpSecret, type TotpEnrolment, totpUri } from "./totp.js";
import { checkUsername } from "./username.js";

/** What may be shown about a user: never the hash or the TOTP secret. */
export interface UserSummary {
  name: string;
  role: string;
  disabled: boolean;
  mfaEnrolled: boolean;
  createdAt: number;
  passwordChangedAt: number;
  lastLoginAt: number | null;
  /** Set while failed attempts keep the name locked. */
  lockedUntil: number | null;
  activeSessions: number;
}

export interface UserAdminOptions {
  policy?: Partial<AuthPolicy>;
  now?: () => number;
}

function checkRole(role: unknown): asserts role is Role {
  if (!isRole(role)) {
    throw new AuthError(
      "AUTH_INVALID_ROLE",
      `unknown role "${String(role)}"; expected one of ${ROLES.join(", ")}`,
    );
  }
}

export class UserAdmin {
  readonly #repo: AuthRepository;
  readonly #policy: AuthPolicy;
  readonly #now: () => number;

  constructor(repo: AuthRepository, opts: UserAdminOptions = {}) {
    this.#repo = repo;
    this.#policy = resolvePolicy(opts.policy);
    this.#now = opts.now ?? Date.now;
  }

  async add(actor: string, name: string, role: string, password: string): Promise<UserSummary> {
    checkUsername(name);
    checkRole(role);
    checkPasswordPolicy(password);
    if (this.#repo.findUserByName(name)) {
      throw new AuthError("AUTH_USER_EXISTS", `user "${name}" already exists`);
    }
    const passwordHash = await hashPassword(password, this.#policy.hash);
    const now = this.#now();
    const user = this.#repo.transaction(() => {
      const created = this.#repo.insertUser({
        name,
        role,
        passwordHash,
        disabled: false,
        mfaSecret: null,
        mfaLastStep: null,
        createdAt: now,
        updatedAt: now,
        passwordChangedAt: now,
        lastLoginAt: null,
      });
      this.#audit(actor, AUDIT_ACTIONS.userAdded, created, { role });
      return created;
    });
    return this.#summary(user);
  }

  /** Sets a new password and ends the user's sessions (a reset must lock out whoever had them). */
  async setPassword(actor: string, name: string, password: string): Promise<void> {
    const user = this.#get(name);
    checkPasswordPolicy(password);
    const passwordHash = await hashPassword(password, this.#policy.hash);
    const now = this.#now();
    this.#repo.transaction(() => {
      this.#repo.updateUser(user.id, { passwordHash, passwordChangedAt: now, updatedAt: now });
      const ended = this.#repo.deleteUserSessions(user.id);
      this.#audit(actor, AUDIT_ACTIONS.userPasswordChanged, user, { sessionsEnded: ended });
    });
  }

  disable(actor: string, name: string): void {
    const user = this.#get(name);
    this.#repo.transaction(() => {
      this.#repo.updateUser(user.id, { disabled: true, updatedAt: this.#now() });
      const ended = this.#repo.deleteUserSessions(user.id);
      this.#audit(actor, AUDIT_ACTIONS.userDisabled, user, { sessionsEnded: ended });
    });
  }

  /** Re-enables the user and clears any lockout on the name. */
  enable(actor: string, name: string): void {
    const user = this.#get(name);
    this.#repo.transaction(() => {
      this.#repo.updateUser(user.id, { disabled: false, updatedAt: this.#now() });
      this.#repo.deleteThrottles(userKeyPrefix(user.name));
      this.#audit(actor, AUDIT_ACTIONS.userEnabled, user);
    });
  }

  setRole(actor: string, name: string, role: string): void {
    const user = this.#get(name);
    checkRole(role);
    this.#repo.transaction(() => {
      this.#repo.updateUser(user.id, { role, updatedAt: this.#now() });
      this.#audit(actor, AUDIT_ACTIONS.userRoleChanged, user, { from: user.role, to: role });
    });
  }

  /**
   * Creates (or replaces) the user's TOTP secret and returns it with its otpauth:// URI.
   * Replacing ends the user's sessions: they were opened with the old factor.
   */
  enrolMfa(actor: string, name: string): TotpEnrolment {
    const user = this.#get(name);
    const secret = newTotpSecret();
    this.#repo.transaction(() => {
      this.#repo.updateUser(user.id, { mfaSecret: secret, mfaLastStep: null, updatedAt: this.#now() });
      const ended = this.#repo.deleteUserSessions(user.id);
      this.#audit(actor, AUDIT_ACTIONS.mfaEnrolled, user, {
        replaced: user.mfaSecret !== null,
        sessionsEnded: ended,
      });
    });
    return { secret, uri: totpUri(secret, user.name, this.#policy.totpIssuer) };
  }

  /** Removes MFA (e.g. a lost phone). An administrator cannot log in again until re-enrolled. */
  disableMfa(actor: string, name: string): void {
    const user = this.#get(name);
    this.#repo.transaction(() => {
      this.#repo.updateUser(user.id, { mfaSecret: null, mfaLastStep: null, updatedAt: this.#now() });
      const ended = this.#repo.deleteUserSessions(user.id);
      this.#audit(actor, AUDIT_ACTIONS.mfaDisabled, user, { sessionsEnded: ended });
    });
  }

  list(): UserSummary[] {
    return this.#repo.listUsers().map((u) => this.#summary(u));
  }

  get(name: string): UserSummary {
    return this.#summary(this.#get(name));
  }

  #get(name: string): UserRecord {
    checkUsername(name);
    const user = this.#repo.findUserByName(name);
    if (!user) throw new AuthError("AUTH_USER_NOT_FOUND", `no user "${name}"`);
    return user;
  }

  #summary(user: UserRecord): UserSummary {
    const now = this.#now();
    // Locked when locked for any client address.
    const lockedUntil = this.#repo
      .listThrottles(userKeyPrefix(user.name))
      .reduce<number | null>(
        (max, t) =>
          lockRemaining(t, now) > 0 && (max === null || (t.lockedUntil ?? 0) > max) ? t.lockedUntil : max,
        null,
      );
    return {
      name: user.name,
      role: user.role,
      disabled: user.disabled,
      mfaEnrolled: user.mfaSecret !== null,
      createdAt: user.createdAt,
      passwordChangedAt: user.passwordChangedAt,
      lastLoginAt: user.lastLoginAt,
      lockedUntil,
      activeSessions: this.#repo.countLiveSessions(
        user.id,
        now - this.#policy.sessionIdleMs,
        now - this.#policy.sessionAbsoluteMs,
      ),
    };
  }

  #audit(actor: string, action: AuditAction, user: UserRecord, details?: Record<string, unknown>): void {
    this.#repo.appendAudit({ actor, action, target: `user:${user.name}`, details }, this.#now());
  }
}
