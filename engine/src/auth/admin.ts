/**
 * The functions behind `messagefoundry user ...` and `messagefoundry audit verify`. Each
 * takes the store's better-sqlite3 handle (the CLI opens the file given by --db) and creates
 * or migrates the auth tables as needed. The CLI is the bootstrap path: it needs file
 * access, not a session, so the first administrator is created and enrolled here.
 */

import { userInfo } from "node:os";
import type BetterSqlite3 from "better-sqlite3";
import type { AuditVerification } from "./audit-chain.js";
import type { AuthPolicy } from "./policy.js";
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

function admin(db: BetterSqlite3.Database, opts: AdminOptions): { users: UserAdmin; actor: string } {
  const repo = new SqliteAuthRepository(db, opts.sealer ? { sealer: opts.sealer } : {});
  return { users: new UserAdmin(repo, opts), actor: opts.actor ?? cliActor() };
}

export function userAdd(
  db: BetterSqlite3.Database,
  name: string,
  role: string,
  password: string,
  opts: AdminOptions = {},
): Promise<UserSummary> {
  const { users, actor } = admin(db, opts);
  return users.add(actor, name, role, password);
}

export function userPasswd(
  db: BetterSqlite3.Database,
  name: string,
  password: string,
  opts: AdminOptions = {},
): Promise<void> {
  const { users, actor } = admin(db, opts);
  return users.setPassword(actor, name, password);
}

export function userDisable(db: BetterSqlite3.Database, name: string, opts: AdminOptions = {}): void {
  const { users, actor } = admin(db, opts);
  users.disable(actor, name);
}

export function userEnable(db: BetterSqlite3.Database, name: string, opts: AdminOptions = {}): void {
  const { users, actor } = admin(db, opts);
  users.enable(actor, name);
}

export function userSetRole(
  db: BetterSqlite3.Database,
  name: string,
  role: string,
  opts: AdminOptions = {},
): void {
  const { users, actor } = admin(db, opts);
  users.setRole(actor, name, role);
}

/** Enrols (or re-enrols) TOTP; the CLI prints `uri` (for a QR code / app) and `secret`. */
export function mfaEnroll(db: BetterSqlite3.Database, name: string, opts: AdminOptions = {}): TotpEnrolment {
  const { users, actor } = admin(db, opts);
  return users.enrolMfa(actor, name);
}

export function mfaDisable(db: BetterSqlite3.Database, name: string, opts: AdminOptions = {}): void {
  const { users, actor } = admin(db, opts);
  users.disableMfa(actor, name);
}

export function userList(db: BetterSqlite3.Database, opts: AdminOptions = {}): UserSummary[] {
  return admin(db, opts).users.list();
}

/** Seals TOTP secrets left clear or under an old key (`key rotate`, first start with a key). */
export function resealMfaSecrets(
  db: BetterSqlite3.Database,
  sealer: SecretSealer,
): { sealed: number; unreadable: string[] } {
  return new SqliteAuthRepository(db, { sealer }).resealSecrets();
}

/** Walks the whole audit chain; `ok: false` names the first bad seq and why. */
export function auditVerify(db: BetterSqlite3.Database): AuditVerification {
  return new AuthService(new SqliteAuthRepository(db)).verifyAudit();
}
