/**
 * The functions behind `messagefoundry user ...` and `messagefoundry audit verify`. Each takes
 * the auth tables of the engine's store (a repository on SQLite or PostgreSQL the CLI opened from
 * --db or --settings, or a better-sqlite3 handle) and creates or migrates them as needed. The CLI is the bootstrap path: it needs file
 * access, not a session, so the first administrator is created and enrolled here.
 */

import { userInfo } from "node:os";
import type BetterSqlite3 from "better-sqlite3";
import type { AuditVerification } from "./audit-chain.js";
import type { AuthPolicy } from "./policy.js";
import type { AuthRepository } from "./repository.js";
import type { SecretSealer } from "./secret-seal.js";
import { AuthService } from "./service.js";
import { SqliteAuthRepository } from "./sqlite-repository.js";
import type { TotpEnrolment } from "./totp.js";
import { UserAdmin, type UserSummary } from "./users.js";

export interface AdminOptions {
  /** Recorded as the audit actor; defaults to `cli:<operating-system user>`. */
  actor?: string;
  policy?: Partial<AuthPolicy>;
  now?: () => number;
  /** Seals TOTP secrets with the store key (from MEFOR_STORE_KEY); without it they are stored unsealed. */
  sealer?: SecretSealer;
}

/** The audit actor for CLI changes: who ran the command on this machine. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}

/** The auth tables to act on: a repository, or a better-sqlite3 handle (wrapped with `opts.sealer`). */
export type AuthTarget = AuthRepository | BetterSqlite3.Database;

function repositoryOf(target: AuthTarget, opts: AdminOptions): AuthRepository {
  return "transaction" in target && "dialect" in target
    ? target
    : new SqliteAuthRepository(target, opts.sealer ? { sealer: opts.sealer } : {});
}

function admin(target: AuthTarget, opts: AdminOptions): { users: UserAdmin; actor: string } {
  return { users: new UserAdmin(repositoryOf(target, opts), opts), actor: opts.actor ?? cliActor() };
}

export function userAdd(
  target: AuthTarget,
  name: string,
  role: string,
  password: string,
  opts: AdminOptions = {},
): Promise<UserSummary> {
  const { users, actor } = admin(target, opts);
  return users.add(actor, name, role, password);
}

export function userPasswd(
  target: AuthTarget,
  name: string,
  password: string,
  opts: AdminOptions = {},
): Promise<void> {
  const { users, actor } = admin(target, opts);
  return users.setPassword(actor, name, password);
}

export function userDisable(target: AuthTarget, name: string, opts: AdminOptions = {}): Promise<void> {
  const { users, actor } = admin(target, opts);
  return users.disable(actor, name);
}

export function userEnable(target: AuthTarget, name: string, opts: AdminOptions = {}): Promise<void> {
  const { users, actor } = admin(target, opts);
  return users.enable(actor, name);
}

export function userSetRole(
  target: AuthTarget,
  name: string,
  role: string,
  opts: AdminOptions = {},
): Promise<void> {
  const { users, actor } = admin(target, opts);
  return users.setRole(actor, name, role);
}

/** Enrols (or re-enrols) TOTP; the CLI prints `uri` (for a QR code / app) and `secret`. */
export function mfaEnroll(target: AuthTarget, name: string, opts: AdminOptions = {}): Promise<TotpEnrolment> {
  const { users, actor } = admin(target, opts);
  return users.enrolMfa(actor, name);
}

export function mfaDisable(target: AuthTarget, name: string, opts: AdminOptions = {}): Promise<void> {
  const { users, actor } = admin(target, opts);
  return users.disableMfa(actor, name);
}

export function userList(target: AuthTarget, opts: AdminOptions = {}): Promise<UserSummary[]> {
  return admin(target, opts).users.list();
}

/**
 * Seals TOTP secrets left clear or under an old key (`key rotate`, first start with a key). A handle
 * is wrapped with `sealer`; a repository must have been opened with it.
 */
export function resealMfaSecrets(
  target: AuthTarget,
  sealer: SecretSealer,
): Promise<{ sealed: number; unreadable: string[] }> {
  return repositoryOf(target, { sealer }).transaction((tx) => tx.resealSecrets());
}

/** Walks the whole audit chain; `ok: false` names the first bad seq and why. */
export function auditVerify(target: AuthTarget): Promise<AuditVerification> {
  return new AuthService(repositoryOf(target, {})).verifyAudit();
}
