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
import type { AuthOps, AuthRepository, UserRecord, UserSource } from "./repository.js";
import type { Work } from "./sql-work.js";
import { lockRemaining, userKeyPrefix } from "./throttle.js";
import { newTotpSecret, type TotpEnrolment, totpUri } from "./totp.js";
import { checkUsername } from "./username.js";

/** What may be shown about a user: never the hash or the TOTP secret. */
export interface UserSummary {
  name: string;
  /** "directory": signs in against LDAP / AD; its role is re-mapped from groups at each sign-in. */
  source: UserSource;
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
    if (await this.#repo.readTransaction((tx) => tx.findUserByName(name))) {
      throw new AuthError("AUTH_USER_EXISTS", `user "${name}" already exists`);
    }
    const passwordHash = await hashPassword(password, this.#policy.hash);
    const now = this.#now();
    return this.#repo.transaction(
      function* (this: UserAdmin, tx: AuthOps): Work<UserSummary> {
        const created = yield* tx.insertUser({
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
        yield* this.#audit(tx, actor, AUDIT_ACTIONS.userAdded, created, { role });
        return yield* this.#summary(tx, created);
      }.bind(this),
    );
  }

  /** Sets a new password and ends the user's sessions (a reset must lock out whoever had them). */
  async setPassword(actor: string, name: string, password: string): Promise<void> {
    checkUsername(name);
    checkPasswordPolicy(password);
    // Checked before the slow hash too, so an unknown name answers at once.
    await this.#repo.readTransaction((tx) => this.#get(tx, name));
    const passwordHash = await hashPassword(password, this.#policy.hash);
    const now = this.#now();
    await this.#change(
      name,
      function* (tx, user, audit) {
        yield* tx.updateUser(user.id, { passwordHash, passwordChangedAt: now, updatedAt: now });
        const ended = yield* tx.deleteUserSessions(user.id);
        yield* audit(AUDIT_ACTIONS.userPasswordChanged, { sessionsEnded: ended });
      },
      actor,
    );
  }

  disable(actor: string, name: string): Promise<void> {
    const now = this.#now();
    return this.#change(
      name,
      function* (tx, user, audit) {
        yield* tx.updateUser(user.id, { disabled: true, updatedAt: now });
        const ended = yield* tx.deleteUserSessions(user.id);
        yield* audit(AUDIT_ACTIONS.userDisabled, { sessionsEnded: ended });
      },
      actor,
    );
  }

  /** Re-enables the user and clears any lockout on the name. */
  enable(actor: string, name: string): Promise<void> {
    const now = this.#now();
    return this.#change(
      name,
      function* (tx, user, audit) {
        yield* tx.updateUser(user.id, { disabled: false, updatedAt: now });
        yield* tx.deleteThrottles(userKeyPrefix(user.name));
        yield* audit(AUDIT_ACTIONS.userEnabled);
      },
      actor,
    );
  }

  setRole(actor: string, name: string, role: string): Promise<void> {
    checkUsername(name);
    checkRole(role);
    const now = this.#now();
    return this.#change(
      name,
      function* (tx, user, audit) {
        yield* tx.updateUser(user.id, { role, updatedAt: now });
        yield* audit(AUDIT_ACTIONS.userRoleChanged, { from: user.role, to: role });
      },
      actor,
    );
  }

  /**
   * Creates (or replaces) the user's TOTP secret and returns it with its otpauth:// URI.
   * Replacing ends the user's sessions: they were opened with the old factor.
   */
  async enrolMfa(actor: string, name: string): Promise<TotpEnrolment> {
    const secret = newTotpSecret();
    const now = this.#now();
    let userName = name;
    await this.#change(
      name,
      function* (tx, user, audit) {
        userName = user.name;
        yield* tx.updateUser(user.id, { mfaSecret: secret, mfaLastStep: null, updatedAt: now });
        const ended = yield* tx.deleteUserSessions(user.id);
        yield* audit(AUDIT_ACTIONS.mfaEnrolled, { replaced: user.mfaSecret !== null, sessionsEnded: ended });
      },
      actor,
    );
    return { secret, uri: totpUri(secret, userName, this.#policy.totpIssuer) };
  }

  /** Removes MFA (e.g. a lost phone). An administrator cannot log in again until re-enrolled. */
  disableMfa(actor: string, name: string): Promise<void> {
    const now = this.#now();
    return this.#change(
      name,
      function* (tx, user, audit) {
        yield* tx.updateUser(user.id, { mfaSecret: null, mfaLastStep: null, updatedAt: now });
        const ended = yield* tx.deleteUserSessions(user.id);
        yield* audit(AUDIT_ACTIONS.mfaDisabled, { sessionsEnded: ended });
      },
      actor,
    );
  }

  list(): Promise<UserSummary[]> {
    return this.#repo.readTransaction(
      function* (this: UserAdmin, tx: AuthOps): Work<UserSummary[]> {
        const out: UserSummary[] = [];
        for (const u of yield* tx.listUsers()) out.push(yield* this.#summary(tx, u));
        return out;
      }.bind(this),
    );
  }

  get(name: string): Promise<UserSummary> {
    return this.#repo.readTransaction(
      function* (this: UserAdmin, tx: AuthOps): Work<UserSummary> {
        return yield* this.#summary(tx, yield* this.#get(tx, name));
      }.bind(this),
    );
  }

  /** One audited change to an existing user, in one transaction with its audit entry. */
  #change(
    name: string,
    body: (
      tx: AuthOps,
      user: UserRecord,
      audit: (action: AuditAction, details?: Record<string, unknown>) => Work<void>,
    ) => Work<void>,
    actor: string,
  ): Promise<void> {
    return this.#repo.transaction(
      function* (this: UserAdmin, tx: AuthOps): Work<void> {
        const user = yield* this.#get(tx, name);
        yield* body(tx, user, (action, details) => this.#audit(tx, actor, action, user, details));
      }.bind(this),
    );
  }

  *#get(tx: AuthOps, name: string): Work<UserRecord> {
    checkUsername(name);
    const user = yield* tx.findUserByName(name);
    if (!user) throw new AuthError("AUTH_USER_NOT_FOUND", `no user "${name}"`);
    return user;
  }

  *#summary(tx: AuthOps, user: UserRecord): Work<UserSummary> {
    const now = this.#now();
    // Locked when locked for any client address.
    const lockedUntil = (yield* tx.listThrottles(userKeyPrefix(user.name))).reduce<number | null>(
      (max, t) =>
        lockRemaining(t, now) > 0 && (max === null || (t.lockedUntil ?? 0) > max) ? t.lockedUntil : max,
      null,
    );
    return {
      name: user.name,
      source: user.source,
      role: user.role,
      disabled: user.disabled,
      mfaEnrolled: user.mfaSecret !== null,
      createdAt: user.createdAt,
      passwordChangedAt: user.passwordChangedAt,
      lastLoginAt: user.lastLoginAt,
      lockedUntil,
      activeSessions: yield* tx.countLiveSessions(
        user.id,
        now - this.#policy.sessionIdleMs,
        now - this.#policy.sessionAbsoluteMs,
      ),
    };
  }

  *#audit(
    tx: AuthOps,
    actor: string,
    action: AuditAction,
    user: UserRecord,
    details?: Record<string, unknown>,
  ): Work<void> {
    yield* tx.appendAudit({ actor, action, target: `user:${user.name}`, details }, this.#now());
  }
}
