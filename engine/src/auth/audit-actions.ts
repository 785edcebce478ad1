/**
 * The audit vocabulary. Routes and the CLI record these names so an auditor can filter on
 * them; a new action goes here first.
 */
export const AUDIT_ACTIONS = {
  login: "auth.login",
  loginFailed: "auth.login_failed",
  logout: "auth.logout",
  reauth: "auth.reauth",
  reauthFailed: "auth.reauth_failed",
  accountLocked: "auth.locked",
  sessionExpired: "auth.session_expired",
  /** A directory (LDAP / AD) sign-in could not reach the directory (details: the server and the error). */
  directoryUnavailable: "auth.directory_unavailable",
  userAdded: "user.add",
  userPasswordChanged: "user.passwd",
  userDisabled: "user.disable",
  userEnabled: "user.enable",
  userRoleChanged: "user.role",
  mfaEnrolled: "user.mfa_enroll",
  mfaDisabled: "user.mfa_disable",
  /** An administrator reset the password: a one-time password the user must change at sign-in. */
  userPasswordReset: "user.password_reset",
  sessionRevoked: "session.revoke",
  tokenCreated: "token.create",
  tokenRevoked: "token.revoke",
  messageRawViewed: "message.raw_view",
  /** Error/detail text (it can quote the message) shown to a messages:raw holder. */
  messageErrorViewed: "message.error_view",
  /** A search by identifier value (blind index): which messages belong to a patient is patient data. */
  messagesFoundByIdentifier: "message.identifier_search",
  messageReplayed: "message.replay",
  outboundResent: "message.resend",
  deadLettersReplayed: "message.bulk_replay",
  connectionStarted: "connection.start",
  connectionStopped: "connection.stop",
  configStaged: "config.stage",
  configPromoted: "config.promote",
  configRolledBack: "config.rollback",
  /** POST /cluster/stepdown: the leader handed the lease over. */
  clusterStepdown: "cluster.stepdown",
  keyRotated: "key.rotate",
} as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[keyof typeof AUDIT_ACTIONS];
