/** Users, sessions and API tokens as the API shows them (ISO times; never a hash, secret or token). */
import type { ApiTokenRecord, SessionSummary, UserSummary } from "../../auth/index.js";
import { iso, isoOrNull } from "../schemas/common.js";
import type { SessionView, TokenView, UserView } from "../schemas/users.js";

export function userView(u: UserSummary): UserView {
  return {
    name: u.name,
    role: u.role,
    disabled: u.disabled,
    mfaEnrolled: u.mfaEnrolled,
    mustChangePassword: u.mustChangePassword,
    createdAt: iso(u.createdAt),
    passwordChangedAt: iso(u.passwordChangedAt),
    lastLoginAt: isoOrNull(u.lastLoginAt),
    lockedUntil: isoOrNull(u.lockedUntil),
    activeSessions: u.activeSessions,
  };
}

export function sessionItem(s: SessionSummary): SessionView {
  return {
    id: s.id,
    createdAt: iso(s.createdAt),
    lastSeenAt: iso(s.lastSeenAt),
    lastAuthAt: iso(s.lastAuthAt),
    expiresAt: iso(s.expiresAt),
    client: s.client,
    current: s.current,
  };
}

export function tokenItem(t: ApiTokenRecord, now: number): TokenView {
  return {
    id: t.id,
    name: t.name,
    permissions: t.permissions as TokenView["permissions"],
    sensitive: t.sensitive,
    createdAt: iso(t.createdAt),
    expiresAt: iso(t.expiresAt),
    lastUsedAt: isoOrNull(t.lastUsedAt),
    revokedAt: isoOrNull(t.revokedAt),
    state: t.revokedAt !== null ? "revoked" : now >= t.expiresAt ? "expired" : "active",
  };
}
