/**
 * Stable error codes of the auth core. The API maps them to HTTP statuses with
 * {@link AUTH_ERROR_STATUS}; the CLI prints `code: message`. Messages never echo a
 * password, a token or a TOTP code.
 */
export const AUTH_ERROR_CODES = [
  "AUTH_INVALID_CREDENTIALS",
  "AUTH_ACCOUNT_LOCKED",
  "AUTH_MFA_REQUIRED",
  "AUTH_MFA_INVALID",
  "AUTH_MFA_ENROLMENT_REQUIRED",
  "AUTH_SESSION_INVALID",
  "AUTH_SESSION_EXPIRED",
  "AUTH_REAUTH_REQUIRED",
  "AUTH_FORBIDDEN",
  "AUTH_PASSWORD_POLICY",
  "AUTH_INVALID_USERNAME",
  "AUTH_INVALID_ROLE",
  "AUTH_USER_EXISTS",
  "AUTH_USER_NOT_FOUND",
  "AUTH_SCHEMA_TOO_NEW",
  "AUTH_DIRECTORY_UNAVAILABLE",
] as const;

export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

/** Suggested HTTP status per code, so every route answers the same way. */
export const AUTH_ERROR_STATUS: Readonly<Record<AuthErrorCode, number>> = {
  AUTH_INVALID_CREDENTIALS: 401,
  AUTH_ACCOUNT_LOCKED: 429,
  AUTH_MFA_REQUIRED: 401,
  AUTH_MFA_INVALID: 401,
  AUTH_MFA_ENROLMENT_REQUIRED: 403,
  AUTH_SESSION_INVALID: 401,
  AUTH_SESSION_EXPIRED: 401,
  AUTH_REAUTH_REQUIRED: 401,
  AUTH_FORBIDDEN: 403,
  AUTH_PASSWORD_POLICY: 400,
  AUTH_INVALID_USERNAME: 400,
  AUTH_INVALID_ROLE: 400,
  AUTH_USER_EXISTS: 409,
  AUTH_USER_NOT_FOUND: 404,
  AUTH_SCHEMA_TOO_NEW: 500,
  AUTH_DIRECTORY_UNAVAILABLE: 503,
};

export class AuthError extends Error {
  override readonly name = "AuthError";
  readonly code: AuthErrorCode;
  /** For AUTH_ACCOUNT_LOCKED: milliseconds until another attempt is accepted (a Retry-After hint). */
  readonly retryAfterMs: number | undefined;

  constructor(code: AuthErrorCode, message: string, opts?: { retryAfterMs?: number }) {
    super(message);
    this.code = code;
    this.retryAfterMs = opts?.retryAfterMs;
  }

  get httpStatus(): number {
    return AUTH_ERROR_STATUS[this.code];
  }
}

export function isAuthError(err: unknown, code?: AuthErrorCode): err is AuthError {
  return err instanceof AuthError && (code === undefined || err.code === code);
}
