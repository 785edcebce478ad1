/** Schemas of /auth/*, and the wire types derived from them. */
import { PERMISSIONS, ROLES } from "../../auth/permissions.js";
import { isoTime, okBody } from "./common.js";
import type { FromSchema } from "./from-schema.js";

const user = {
  type: "object",
  required: ["name", "role", "permissions", "mfa"],
  properties: {
    name: { type: "string" },
    role: { type: "string", enum: [...ROLES] },
    permissions: { type: "array", items: { type: "string", enum: [...PERMISSIONS] } },
    mfa: { type: "boolean" },
  },
} as const;

const sessionInfo = {
  type: "object",
  required: ["expiresAt", "absoluteExpiresAt", "lastAuthAt", "user", "credential", "mustChangePassword"],
  properties: {
    credential: {
      type: "string",
      enum: ["session", "token"],
      description: "token: the request signed in with an API token (POST /me/tokens)",
    },
    mustChangePassword: {
      type: "boolean",
      description:
        "the password was reset: only POST /auth/password (and reading this) works until it is changed",
    },
    expiresAt: {
      ...isoTime,
      description: "idle expiry; each request pushes it out (up to absoluteExpiresAt)",
    },
    absoluteExpiresAt: isoTime,
    lastAuthAt: { ...isoTime, description: "last password entry; sensitive actions need it recent" },
    user,
  },
} as const;

const totp = {
  type: "string",
  minLength: 1,
  maxLength: 16,
  description: "6-digit TOTP code when MFA is enrolled",
} as const;

export const loginSchema = {
  tags: ["auth"],
  summary: "Log in; returns a bearer token for the Authorization header",
  body: {
    type: "object",
    required: ["username", "password"],
    additionalProperties: false,
    properties: {
      username: { type: "string", minLength: 1, maxLength: 128 },
      password: { type: "string", minLength: 1, maxLength: 4096 },
      totp,
    },
  },
  response: {
    200: {
      type: "object",
      required: ["token", ...sessionInfo.required],
      properties: { token: { type: "string" }, ...sessionInfo.properties },
    },
  },
} as const;

export const logoutSchema = {
  tags: ["auth"],
  summary: "End this session",
  response: { 200: okBody },
} as const;

export const reauthSchema = {
  tags: ["auth"],
  summary: "Confirm the password (and TOTP) for sensitive actions: promote, rollback, raw view, replay",
  body: {
    type: "object",
    required: ["password"],
    additionalProperties: false,
    properties: { password: { type: "string", minLength: 1, maxLength: 4096 }, totp },
  },
  response: { 200: sessionInfo },
} as const;

export const sessionSchema = {
  tags: ["auth"],
  summary: "The current session and its user",
  response: { 200: sessionInfo },
} as const;

export type SessionUser = FromSchema<typeof user>;
/** GET /auth/session and POST /auth/reauth; POST /auth/login adds `token`. */
export type SessionInfo = FromSchema<typeof sessionInfo>;
export type LoginRequest = FromSchema<typeof loginSchema.body>;
export type LoginResult = FromSchema<(typeof loginSchema.response)[200]>;
/** POST /auth/reauth body: the password again, and a fresh TOTP code when the user has MFA. */
export type ReauthRequest = FromSchema<typeof reauthSchema.body>;
/** POST /auth/logout. */
export type LogoutResult = FromSchema<(typeof logoutSchema.response)[200]>;
