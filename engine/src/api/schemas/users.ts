/**
 * Schemas of /users (administrators, `users:manage`), /me/sessions, /me/tokens and /auth/password, and
 * the wire types derived from them. One-time passwords, TOTP secrets and API tokens appear in exactly
 * one answer each (the one that made them) and are never stored in the clear.
 */
import { PERMISSIONS, ROLES } from "../../auth/permissions.js";
import { reauthSchema } from "./auth.js";
import { isoTime, nameParams, nullableIsoTime, okBody } from "./common.js";
import type { FromSchema } from "./from-schema.js";

const userView = {
  type: "object",
  required: [
    "name",
    "role",
    "disabled",
    "mfaEnrolled",
    "mustChangePassword",
    "createdAt",
    "passwordChangedAt",
    "lastLoginAt",
    "lockedUntil",
    "activeSessions",
  ],
  properties: {
    name: { type: "string" },
    role: {
      type: "string",
      description: "one of the built-in roles (an unknown one from an old row grants nothing)",
    },
    disabled: { type: "boolean" },
    mfaEnrolled: { type: "boolean" },
    mustChangePassword: { type: "boolean", description: "a reset password not yet changed" },
    createdAt: isoTime,
    passwordChangedAt: isoTime,
    lastLoginAt: nullableIsoTime,
    lockedUntil: { ...nullableIsoTime, description: "set while failed sign-ins keep the name locked" },
    activeSessions: { type: "integer" },
  },
} as const;

const mfaEnrolment = {
  type: "object",
  required: ["secret", "uri"],
  properties: {
    secret: { type: "string", description: "base32 TOTP secret; shown once" },
    uri: { type: "string", description: "otpauth:// URI for an authenticator app; shown once" },
  },
} as const;

const oneTimePassword = {
  type: "string",
  description: "shown once; the user must change it at the next sign-in (POST /auth/password)",
} as const;

const userReply = { type: "object", required: ["user"], properties: { user: userView } } as const;

const sessionView = {
  type: "object",
  required: ["id", "createdAt", "lastSeenAt", "lastAuthAt", "expiresAt", "client", "current"],
  properties: {
    id: { type: "string", description: "16 hex characters naming the session (not a credential)" },
    createdAt: isoTime,
    lastSeenAt: isoTime,
    lastAuthAt: isoTime,
    expiresAt: isoTime,
    client: { type: ["string", "null"], description: "address and user agent at sign-in" },
    current: { type: "boolean", description: "the session this request runs in" },
  },
} as const;

const sessionList = {
  type: "object",
  required: ["items"],
  properties: { items: { type: "array", items: sessionView } },
} as const;

const permissionList = { type: "array", items: { type: "string", enum: [...PERMISSIONS] } } as const;

const tokenView = {
  type: "object",
  required: [
    "id",
    "name",
    "permissions",
    "sensitive",
    "createdAt",
    "expiresAt",
    "lastUsedAt",
    "revokedAt",
    "state",
  ],
  properties: {
    id: { type: "integer" },
    name: { type: "string" },
    permissions: permissionList,
    sensitive: { type: "boolean", description: "may stage/promote/roll back, view raw and replay" },
    createdAt: isoTime,
    expiresAt: isoTime,
    lastUsedAt: nullableIsoTime,
    revokedAt: nullableIsoTime,
    state: { type: "string", enum: ["active", "expired", "revoked"] },
  },
} as const;

const tokenList = {
  type: "object",
  required: ["items"],
  properties: { items: { type: "array", items: tokenView } },
} as const;

const userNameParams = nameParams;

const sessionParams = {
  type: "object",
  required: ["sessionId"],
  additionalProperties: false,
  properties: { sessionId: { type: "string", pattern: "^[0-9a-f]{16}$" } },
} as const;

const userSessionParams = {
  ...sessionParams,
  required: ["name", "sessionId"],
  properties: { ...nameParams.properties, ...sessionParams.properties },
} as const;

const tokenParams = {
  type: "object",
  required: ["tokenId"],
  additionalProperties: false,
  properties: { tokenId: { type: "integer", minimum: 1 } },
} as const;

const userTokenParams = {
  ...tokenParams,
  required: ["name", "tokenId"],
  properties: { ...nameParams.properties, ...tokenParams.properties },
} as const;

const revokedCount = {
  type: "object",
  required: ["revoked"],
  properties: { revoked: { type: "integer", description: "sessions ended" } },
} as const;

const totp = {
  type: "string",
  minLength: 1,
  maxLength: 16,
  description: "TOTP code when MFA is enrolled",
} as const;

export const listUsersSchema = {
  tags: ["users"],
  summary: "Every user with role, state, MFA and session counts (never a hash or secret)",
  response: {
    200: { type: "object", required: ["items"], properties: { items: { type: "array", items: userView } } },
  },
} as const;

export const addUserSchema = {
  tags: ["users"],
  summary: "Add a user with a generated one-time password (and a TOTP enrolment for roles requiring MFA)",
  body: {
    type: "object",
    required: ["name", "role"],
    additionalProperties: false,
    properties: {
      name: { type: "string", minLength: 1, maxLength: 128 },
      role: { type: "string", enum: [...ROLES] },
    },
  },
  response: {
    201: {
      type: "object",
      required: ["user", "oneTimePassword"],
      properties: { user: userView, oneTimePassword, mfa: mfaEnrolment },
    },
  },
} as const;

export const userStateSchema = (summary: string) =>
  ({ tags: ["users"], summary, params: userNameParams, response: { 200: userReply } }) as const;

export const setRoleSchema = {
  tags: ["users"],
  summary: "Change a user's role (applies to their open sessions at once); the last administrator stays one",
  params: userNameParams,
  body: {
    type: "object",
    required: ["role"],
    additionalProperties: false,
    properties: { role: { type: "string", enum: [...ROLES] } },
  },
  response: { 200: userReply },
} as const;

export const resetPasswordSchema = {
  tags: ["users"],
  summary: "Reset a password: a one-time password, changed at the next sign-in; ends the user's sessions",
  params: userNameParams,
  response: {
    200: {
      type: "object",
      required: ["user", "oneTimePassword"],
      properties: { user: userView, oneTimePassword },
    },
  },
} as const;

export const resetMfaSchema = {
  tags: ["users"],
  summary: "Reset MFA: a new TOTP secret (shown once) replaces the old one; ends the user's sessions",
  params: userNameParams,
  response: {
    200: { type: "object", required: ["user", "mfa"], properties: { user: userView, mfa: mfaEnrolment } },
  },
} as const;

export const userSessionsSchema = {
  tags: ["users"],
  summary: "A user's live sessions",
  params: userNameParams,
  response: { 200: sessionList },
} as const;

export const revokeUserSessionSchema = {
  tags: ["users"],
  summary: "End one of a user's sessions",
  params: userSessionParams,
  response: { 200: okBody },
} as const;

export const revokeUserSessionsSchema = {
  tags: ["users"],
  summary: "End all of a user's sessions",
  params: userNameParams,
  response: { 200: revokedCount },
} as const;

export const userTokensSchema = {
  tags: ["users"],
  summary: "A user's API tokens (never the tokens themselves)",
  params: userNameParams,
  response: { 200: tokenList },
} as const;

export const revokeUserTokenSchema = {
  tags: ["users"],
  summary: "Revoke one of a user's API tokens",
  params: userTokenParams,
  response: { 200: okBody },
} as const;

export const mySessionsSchema = {
  tags: ["me"],
  summary: "My live sessions; `current` marks this one",
  response: { 200: sessionList },
} as const;

export const revokeMySessionSchema = {
  tags: ["me"],
  summary: "End one of my sessions",
  params: sessionParams,
  response: { 200: okBody },
} as const;

export const revokeMyOtherSessionsSchema = {
  tags: ["me"],
  summary: "End all my sessions except this one",
  response: { 200: revokedCount },
} as const;

export const myTokensSchema = {
  tags: ["me"],
  summary: "My API tokens (never the tokens themselves)",
  response: { 200: tokenList },
} as const;

export const createTokenSchema = {
  tags: ["me"],
  summary: "Make an API token for automation, scoped to permissions I hold; the token is shown once",
  body: {
    type: "object",
    required: ["name", "permissions", "expiresInDays"],
    additionalProperties: false,
    properties: {
      name: { type: "string", minLength: 1, maxLength: 64 },
      permissions: {
        ...permissionList,
        minItems: 1,
        uniqueItems: true,
        description: "the token's scope; messages:raw only when listed",
      },
      expiresInDays: { type: "integer", minimum: 1, maximum: 366 },
      sensitive: {
        type: "boolean",
        default: false,
        description:
          "may do what otherwise needs a recent re-authentication (stage, promote, raw view, replay)",
      },
    },
  },
  response: {
    201: {
      type: "object",
      required: ["token", ...tokenView.required],
      properties: { token: { type: "string", description: "mft_…; shown once" }, ...tokenView.properties },
    },
  },
} as const;

export const revokeMyTokenSchema = {
  tags: ["me"],
  summary: "Revoke one of my API tokens",
  params: tokenParams,
  response: { 200: okBody },
} as const;

export const changePasswordSchema = {
  tags: ["auth"],
  summary: "Change my password (required after a reset); ends my other sessions",
  body: {
    type: "object",
    required: ["currentPassword", "newPassword"],
    additionalProperties: false,
    properties: {
      currentPassword: { type: "string", minLength: 1, maxLength: 4096 },
      newPassword: { type: "string", minLength: 1, maxLength: 4096 },
      totp,
    },
  },
  response: reauthSchema.response,
} as const;

export type UserView = FromSchema<typeof userView>;
export type UserList = FromSchema<(typeof listUsersSchema.response)[200]>;
export type AddUserRequest = FromSchema<typeof addUserSchema.body>;
/** POST /users: the one-time password (and MFA enrolment) appear here only. */
export type AddUserResult = FromSchema<(typeof addUserSchema.response)[201]>;
export type UserReply = FromSchema<typeof userReply>;
export type SetRoleRequest = FromSchema<typeof setRoleSchema.body>;
export type ResetPasswordResult = FromSchema<(typeof resetPasswordSchema.response)[200]>;
export type ResetMfaResult = FromSchema<(typeof resetMfaSchema.response)[200]>;
export type MfaEnrolment = FromSchema<typeof mfaEnrolment>;
export type SessionView = FromSchema<typeof sessionView>;
export type SessionList = FromSchema<typeof sessionList>;
export type RevokedSessions = FromSchema<typeof revokedCount>;
export type TokenView = FromSchema<typeof tokenView>;
export type TokenList = FromSchema<typeof tokenList>;
export type CreateTokenRequest = FromSchema<typeof createTokenSchema.body>;
/** POST /me/tokens: the token appears here only. */
export type CreatedToken = FromSchema<(typeof createTokenSchema.response)[201]>;
export type ChangePasswordRequest = FromSchema<typeof changePasswordSchema.body>;
