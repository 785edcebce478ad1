/** The session a request acts under, as the API and the CLI see it. */

import { PERMISSIONS, type Permission, permissionsOf, type Role } from "./permissions.js";
import type { AuthPolicy } from "./policy.js";
import type { ApiTokenRecord, SessionRecord, UserRecord } from "./repository.js";

export interface Session {
  /** SHA-256 (hex) of the token: identifies the session without being usable as one. */
  id: string;
  userId: number;
  username: string;
  role: Role;
  permissions: readonly Permission[];
  /** Whether the user has TOTP enrolled (and therefore passed it at login). */
  mfa: boolean;
  createdAt: number;
  lastSeenAt: number;
  /** When the password (+TOTP) was last entered: at login or a re-authentication. */
  lastAuthAt: number;
  /** When the session ends if unused (idle timeout, capped by the absolute one). */
  expiresAt: number;
  absoluteExpiresAt: number;
  /** How the request signed in: a login session, or an API token (see api-tokens.ts). */
  credential: "session" | "token";
  /** A reset password not yet changed: only the change itself (and reading the session) is allowed. */
  mustChangePassword: boolean;
  /** API tokens: made for sensitive actions (they stand in for the re-authentication a token cannot do). */
  sensitive: boolean;
  /** API tokens: the token's id and name. */
  token?: { id: number; name: string };
}

/** Where a request came from, recorded with logins and failures. Never trusted for decisions. */
export interface ClientInfo {
  address?: string | undefined;
  userAgent?: string | undefined;
}

export function describeClient(client: ClientInfo | undefined): string | null {
  if (!client) return null;
  const parts = [client.address, client.userAgent].filter(
    (p): p is string => typeof p === "string" && p !== "",
  );
  // Bounded: a huge User-Agent must not bloat the audit log.
  return parts.length > 0 ? parts.join(" ").slice(0, 256) : null;
}

/** Short session reference for audit details (a prefix of the hash; not a credential). */
export function sessionRef(id: string): string {
  return id.slice(0, 16);
}

export function toSession(
  record: SessionRecord,
  user: UserRecord,
  role: Role,
  policy: Pick<AuthPolicy, "sessionIdleMs" | "sessionAbsoluteMs">,
): Session {
  const absoluteExpiresAt = record.createdAt + policy.sessionAbsoluteMs;
  return {
    id: record.tokenHash,
    userId: user.id,
    username: user.name,
    role,
    permissions: permissionsOf(role),
    mfa: user.mfaSecret !== null,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    lastAuthAt: record.lastAuthAt,
    expiresAt: Math.min(record.lastSeenAt + policy.sessionIdleMs, absoluteExpiresAt),
    absoluteExpiresAt,
    credential: "session",
    mustChangePassword: user.mustChangePassword,
    sensitive: false,
  };
}

/**
 * The session an API token acts under: its scope narrowed to what the owner's role grants now, so a
 * demoted owner's tokens lose what the owner lost.
 */
export function tokenSession(token: ApiTokenRecord, user: UserRecord, role: Role): Session {
  const granted = new Set(permissionsOf(role));
  return {
    id: token.tokenHash,
    userId: user.id,
    username: user.name,
    role,
    permissions: PERMISSIONS.filter((p) => granted.has(p) && token.permissions.includes(p)),
    mfa: user.mfaSecret !== null,
    createdAt: token.createdAt,
    lastSeenAt: token.lastUsedAt ?? token.createdAt,
    lastAuthAt: token.createdAt,
    expiresAt: token.expiresAt,
    absoluteExpiresAt: token.expiresAt,
    credential: "token",
    mustChangePassword: false,
    sensitive: token.sensitive,
    token: { id: token.id, name: token.name },
  };
}

/** Whether the session may use `permission` (its role's grants; a token's scope within them). */
export function holds(session: Pick<Session, "permissions">, permission: Permission): boolean {
  return session.permissions.includes(permission);
}

/** Whether the session's last password entry is within `windowMs` of `now`. */
export function isRecentAuth(session: Pick<Session, "lastAuthAt">, now: number, windowMs: number): boolean {
  return now - session.lastAuthAt <= windowMs;
}
