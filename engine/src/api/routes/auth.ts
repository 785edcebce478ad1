/** POST /auth/login, /auth/logout, /auth/reauth and GET /auth/session, adapting the auth core. */
import type { FastifyPluginAsync } from "fastify";
import type { Session } from "../../auth/index.js";
import { toApiError } from "../errors.js";
import {
  type LoginRequest,
  type LoginResult,
  type LogoutResult,
  loginSchema,
  logoutSchema,
  type ReauthRequest,
  reauthSchema,
  type SessionInfo,
  sessionSchema,
} from "../schemas/auth.js";
import { iso } from "../schemas/common.js";
import { sessionOf } from "../security.js";
import type { AuthPort } from "../services.js";

export function sessionView(s: Session): SessionInfo {
  return {
    expiresAt: iso(s.expiresAt),
    absoluteExpiresAt: iso(s.absoluteExpiresAt),
    lastAuthAt: iso(s.lastAuthAt),
    credential: s.credential,
    mustChangePassword: s.mustChangePassword,
    user: { name: s.username, role: s.role, permissions: [...s.permissions], mfa: s.mfa },
  };
}

export const authRoutes: FastifyPluginAsync<{ auth: AuthPort }> = async (app, { auth }) => {
  app.post<{ Body: LoginRequest; Reply: LoginResult }>(
    "/auth/login",
    { schema: loginSchema, config: { public: true } },
    async (req) => {
      const { username, password, totp } = req.body;
      const ua = req.headers["user-agent"];
      try {
        const { token, session } = await auth.login({
          username,
          password,
          totp,
          client: { address: req.ip, userAgent: typeof ua === "string" ? ua : undefined },
        });
        return { token, ...sessionView(session) };
      } catch (err) {
        throw toApiError(err);
      }
    },
  );

  app.post<{ Reply: LogoutResult }>(
    "/auth/logout",
    { schema: logoutSchema, config: { authenticated: true } },
    async (req) => ({
      ok: await auth.logout(req.bearer),
    }),
  );

  app.post<{ Body: ReauthRequest; Reply: SessionInfo }>(
    "/auth/reauth",
    { schema: reauthSchema, config: { authenticated: true } },
    async (req) => {
      try {
        const ua = req.headers["user-agent"];
        return sessionView(
          await auth.reauthenticate(req.bearer, req.body.password, req.body.totp, {
            address: req.ip,
            userAgent: typeof ua === "string" ? ua : undefined,
          }),
        );
      } catch (err) {
        throw toApiError(err);
      }
    },
  );

  app.get<{ Reply: SessionInfo }>(
    "/auth/session",
    { schema: sessionSchema, config: { authenticated: true } },
    async (req) => sessionView(sessionOf(req)),
  );
};
