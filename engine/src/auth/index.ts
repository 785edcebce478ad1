/**
 * Face of the auth core: users, sessions, RBAC, MFA and the audit log, framework-free.
 * The API adapts AuthService to routes; the CLI calls the admin functions. Storage is the
 * AuthRepository interface, on SQLite (SqliteAuthRepository) or PostgreSQL (PgAuthRepository).
 */

export type { AdminOptions, AuthTarget } from "./admin.js";
export {
  auditVerify,
  cliActor,
  mfaDisable,
  mfaEnroll,
  resealMfaSecrets,
  userAdd,
  userDisable,
  userEnable,
  userList,
  userPasswd,
  userSetRole,
} from "./admin.js";
export { AUDIT_ACTIONS, type AuditAction } from "./audit-actions.js";
export {
  type AuditDraft,
  type AuditEntry,
  type AuditHead,
  type AuditVerification,
  ChainWalker,
  canonicalJson,
  GENESIS_HASH,
  verifyChain,
} from "./audit-chain.js";
export {
  type Directory,
  type DirectoryOutcome,
  type DirectorySettings,
  DirectoryUnavailableError,
  escapeFilterValue,
  GROUP_MODES,
  type GroupMode,
  LDAP_BIND_PASSWORD_ENV,
  roleForGroups,
} from "./directory.js";
export { DIRECTORY_PASSWORD_HASH } from "./directory-sign-in.js";
export { AUTH_ERROR_CODES, AUTH_ERROR_STATUS, AuthError, type AuthErrorCode, isAuthError } from "./errors.js";
export { LdapDirectory } from "./ldap-directory.js";
export { AUTH_MIGRATIONS, AUTH_SCHEMA_VERSION, AUTH_VERSION_TABLE } from "./migrations.js";
export { checkPasswordPolicy, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./password.js";
export {
  can,
  isPermission,
  isRole,
  PERMISSIONS,
  type Permission,
  permissionsOf,
  ROLES,
  type Role,
} from "./permissions.js";
export { PgAuthRepository } from "./pg-repository.js";
export { type AuthPolicy, DEFAULT_AUTH_POLICY } from "./policy.js";
export type {
  AuditQuery,
  AuthOps,
  AuthRepository,
  NewUser,
  SessionRecord,
  ThrottleRecord,
  UserPatch,
  UserRecord,
  UserSource,
} from "./repository.js";
export { mfaSecretAad, type SecretSealer, UNSEALED } from "./secret-seal.js";
export {
  AuthService,
  type AuthServiceOptions,
  type LoginRequest,
  type LoginResult,
} from "./service.js";
export { type ClientInfo, isRecentAuth, type Session } from "./session.js";
export {
  changes,
  type Dialect,
  ensurePgSchema,
  isCurrent,
  type Migration,
  migrate,
  PgRunner,
  row,
  rows,
  SqliteRunner,
  type SqlRunner,
  type SqlStep,
  script,
  type Work,
} from "./sql-work.js";
export { type AuthRepositoryOptions, SqliteAuthRepository } from "./sqlite-repository.js";
export { type PasswordInputOptions, readPasswordFromStdin } from "./stdin.js";
export type { TotpEnrolment } from "./totp.js";
export { isValidUsername } from "./username.js";
export { UserAdmin, type UserAdminOptions, type UserSummary } from "./users.js";
