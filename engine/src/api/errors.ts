/**
 * The API's error class over the code registry (error-codes.ts). Auth core codes map by dropping their
 * `AUTH_` prefix.
 */
import { AuthError } from "../auth/index.js";
import { API_ERRORS, type ApiErrorCode } from "./error-codes.js";

import type { ErrorBody, ErrorDetails } from "./schemas/common.js";

export { API_ERRORS, type ApiErrorCode, type ErrorBody, type ErrorDetails };

/** NOT_LEADER's `error.leader` (services.ts ClusterLeader). */
type ClusterLeader = { nodeId: string; apiUrl: string | null };

/** A failure with a stable code. Services throw it too (e.g. STAGE_NOT_FOUND). */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly code: ApiErrorCode;
  /** Seconds for a Retry-After header (lockout). */
  readonly retryAfterS: number | undefined;
  /** Machine-readable detail for clients that act on it (e.g. REMOVED_QUEUED's connections). */
  readonly details: ErrorDetails | undefined;
  /** NOT_LEADER: where the writes go (null: no leader now). */
  readonly leader: ClusterLeader | null | undefined;

  constructor(
    code: ApiErrorCode,
    message: string,
    opts?: { retryAfterS?: number; details?: ErrorDetails; leader?: ClusterLeader | null },
  ) {
    super(message);
    this.code = code;
    this.retryAfterS = opts?.retryAfterS;
    this.details = opts?.details;
    this.leader = opts?.leader;
  }

  get statusCode(): number {
    return API_ERRORS[this.code];
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details !== undefined && { details: this.details }),
        ...(this.leader !== undefined && { leader: this.leader }),
      },
    };
  }
}

export function isApiError(err: unknown, code?: ApiErrorCode): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

/** AUTH_X → X with the API's status (REAUTH_REQUIRED becomes 403, see above). */
export function fromAuthError(err: AuthError): ApiError {
  const code = err.code.replace(/^AUTH_/, "") as ApiErrorCode & string;
  const known: ApiErrorCode = code in API_ERRORS ? code : "FORBIDDEN";
  const retryAfterS =
    err.retryAfterMs !== undefined ? Math.max(1, Math.ceil(err.retryAfterMs / 1000)) : undefined;
  return new ApiError(known, err.message, retryAfterS !== undefined ? { retryAfterS } : undefined);
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof AuthError) return fromAuthError(err);
  return new ApiError("INTERNAL", "internal error");
}

/** Runs `fn`, mapping auth-core errors (USER_NOT_FOUND, LAST_ADMIN…) onto the API's codes. */
export async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toApiError(err);
  }
}
