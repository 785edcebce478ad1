/**
 * A directory user's password check, for login and re-authentication: asks the {@link Directory},
 * and on success records the user in the auth tables (source "directory") with the role its groups
 * map to now — so a group change applies at the next sign-in. The attempt gate counts and audits
 * like a local check; a directory that cannot be reached is audited and answered with
 * AUTH_DIRECTORY_UNAVAILABLE (the attempt is not held against the user).
 */
import type { Attempt, AttemptGate, AuditWork } from "./attempt-gate.js";
import { AUDIT_ACTIONS } from "./audit-actions.js";
import { type Directory, type DirectoryOutcome, DirectoryUnavailableError } from "./directory.js";
import { AuthError } from "./errors.js";
import type { AuthOps, AuthRepository, UserRecord } from "./repository.js";
import type { Work } from "./sql-work.js";

/** Stored as a directory user's password hash: no argon2 hash, so no password ever matches it locally. */
export const DIRECTORY_PASSWORD_HASH = "!directory";

/** Refusals after which the user's open sessions end (the directory took the account or its access away). */
const ENDS_SESSIONS = new Set(["disabled", "no_mapped_group", "unknown_user"]);

export class DirectorySignIn {
  readonly #repo: AuthRepository;
  readonly #gate: AttemptGate;
  readonly #directory: Directory;
  readonly #audit: AuditWork;

  constructor(repo: AuthRepository, gate: AttemptGate, directory: Directory, audit: AuditWork) {
    this.#repo = repo;
    this.#gate = gate;
    this.#directory = directory;
    this.#audit = audit;
  }

  /**
   * The signed-in user record (created or its role updated), or throws AUTH_INVALID_CREDENTIALS /
   * AUTH_DIRECTORY_UNAVAILABLE. `local` is the user's existing record (source "directory") if any.
   */
  async login(attempt: Attempt, password: string, local: UserRecord | undefined): Promise<UserRecord> {
    const outcome = await this.#ask(attempt, password);
    if (!outcome.ok || local?.disabled) {
      const reason = outcome.ok ? "disabled" : `directory_${outcome.reason}`;
      await this.#repo.transaction((tx) => this.#refuse(tx, attempt, reason, local));
      throw new AuthError("AUTH_INVALID_CREDENTIALS", "invalid user name or password");
    }
    return this.#repo.transaction((tx) => this.#record(tx, attempt, outcome));
  }

  /** Whether the directory accepts the password now (re-authentication of a directory user). */
  async confirm(attempt: Attempt, password: string): Promise<boolean> {
    return (await this.#ask(attempt, password)).ok;
  }

  async #ask(attempt: Attempt, password: string): Promise<DirectoryOutcome> {
    try {
      return await this.#directory.authenticate(attempt.actor, password);
    } catch (error) {
      if (!(error instanceof DirectoryUnavailableError)) throw error;
      await this.#gate.forgive(attempt, "directory_unavailable");
      await this.#repo.transaction((tx) =>
        this.#audit(tx, attempt.actor, AUDIT_ACTIONS.directoryUnavailable, `user:${attempt.actor}`, {
          directory: this.#directory.describe,
          error: error.message,
          client: attempt.client,
        }),
      );
      throw new AuthError(
        "AUTH_DIRECTORY_UNAVAILABLE",
        "the directory cannot be reached; try again later (local accounts can still sign in)",
      );
    }
  }

  *#refuse(tx: AuthOps, attempt: Attempt, reason: string, local: UserRecord | undefined): Work<void> {
    yield* this.#gate.failWork(tx, attempt, reason);
    if (local && ENDS_SESSIONS.has(reason.replace(/^directory_/, ""))) yield* tx.deleteUserSessions(local.id);
  }

  /** Creates the directory user or brings its role up to date, audited; read again inside the transaction. */
  *#record(tx: AuthOps, attempt: Attempt, outcome: DirectoryOutcome & { ok: true }): Work<UserRecord> {
    const { now, actor: name } = attempt;
    const found = yield* tx.findUserByName(name);
    const target = `user:${name}`;
    if (!found) {
      const user = yield* tx.insertUser({
        name,
        source: "directory",
        role: outcome.role,
        passwordHash: DIRECTORY_PASSWORD_HASH,
        disabled: false,
        mfaSecret: null,
        mfaLastStep: null,
        createdAt: now,
        updatedAt: now,
        passwordChangedAt: now,
        lastLoginAt: null,
      });
      yield* this.#audit(tx, "directory", AUDIT_ACTIONS.userAdded, target, {
        source: "directory",
        role: outcome.role,
        dn: outcome.dn,
      });
      return user;
    }
    if (found.source !== "directory")
      throw new AuthError("AUTH_USER_EXISTS", `user "${name}" is a local user`);
    if (found.role !== outcome.role) {
      yield* tx.updateUser(found.id, { role: outcome.role, updatedAt: now });
      yield* this.#audit(tx, "directory", AUDIT_ACTIONS.userRoleChanged, target, {
        from: found.role,
        to: outcome.role,
        source: "directory",
      });
    }
    return { ...found, role: outcome.role };
  }
}
