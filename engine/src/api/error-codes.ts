/**
 * The API's one registry of error codes and their HTTP statuses. Every failure leaves the API as
 * `{ error: { code, message } }` with the status listed here, so clients branch on `code` and never on
 * message text. Pure data (published in `messagefoundry/api`); the error class is in errors.ts.
 */
export const API_ERRORS = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  INVALID_CURSOR: 400,
  INVALID_BUNDLE: 400,
  UNAUTHENTICATED: 401,
  SESSION_INVALID: 401,
  SESSION_EXPIRED: 401,
  INVALID_CREDENTIALS: 401,
  MFA_REQUIRED: 401,
  MFA_INVALID: 401,
  FORBIDDEN: 403,
  /** Recent re-authentication needed (POST /auth/reauth, then retry). 403, not 401: the session is fine. */
  REAUTH_REQUIRED: 403,
  MFA_ENROLMENT_REQUIRED: 403,
  /** The request came with a browser Origin that was not explicitly allowed. */
  ORIGIN_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  MESSAGE_NOT_FOUND: 404,
  ROW_NOT_FOUND: 404,
  CONNECTION_NOT_FOUND: 404,
  STAGE_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  CONFLICT: 409,
  /** POST /messages/find on an engine without MEFOR_INDEX_KEY: nothing is indexed. */
  IDENTIFIER_SEARCH_OFF: 409,
  /** A promote/rollback removes connections with queued rows and did not say what to do with them (details.removedQueued). */
  REMOVED_QUEUED: 409,
  /** `drain` did not empty the removed connections' queues in time; nothing was swapped (details.removedQueued). */
  DRAIN_TIMEOUT: 409,
  /** A cluster standby (or a node that is not the leader) takes no writes: `error.leader` names the leader. */
  NOT_LEADER: 409,
  /** `Host` names something other than this engine (DNS rebinding, wrong name): 421 Misdirected Request. */
  HOST_NOT_ALLOWED: 421,
  /** The staged config has error-severity problems and cannot be promoted. */
  CONFIG_INVALID: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  ACCOUNT_LOCKED: 429,
  INTERNAL: 500,
  /** The swap failed and the previous graph was restored. */
  PROMOTE_FAILED: 500,
  /** A config version's (or stage's) files changed on disk since they were hashed; nothing was swapped. */
  CONFIG_TAMPERED: 500,
  /** The engine part behind this route is not running (e.g. no config loaded yet). */
  UNAVAILABLE: 503,
  // Auth core codes that only the user-admin side produces, kept so every AuthError maps.
  PASSWORD_POLICY: 400,
  INVALID_USERNAME: 400,
  INVALID_ROLE: 400,
  USER_EXISTS: 409,
  USER_NOT_FOUND: 404,
  SCHEMA_TOO_NEW: 500,
  /** A directory (LDAP / AD) user signs in while the directory cannot be reached; local accounts still can. */
  DIRECTORY_UNAVAILABLE: 503,
  /** Disabling or demoting the last enabled administrator is refused. */
  LAST_ADMIN: 409,
  /** The password was reset: change it (POST /auth/password) before anything else. */
  PASSWORD_CHANGE_REQUIRED: 403,
  /** API tokens cannot manage users or tokens, nor do sensitive actions unless made `sensitive`. */
  TOKEN_NOT_ALLOWED: 403,
  /** A token asked for a permission its creator does not hold. */
  TOKEN_SCOPE: 400,
  TOKEN_NOT_FOUND: 404,
  SESSION_NOT_FOUND: 404,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;
