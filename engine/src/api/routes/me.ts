/**
 * What every signed-in user manages for themselves: their sessions (GET/DELETE /me/sessions), their
 * API tokens (/me/tokens) and their password (POST /auth/password, the way out of a reset). Making a
 * token needs a recent re-authentication; tokens and passwords are never managed with a token.
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { mapped } from "../errors.js";
import type { SessionInfo } from "../schemas/auth.js";
import {
  type ChangePasswordRequest,
  type CreatedToken,
  type CreateTokenRequest,
  changePasswordSchema,
  createTokenSchema,
  mySessionsSchema,
  myTokensSchema,
  type RevokedSessions,
  revokeMyOtherSessionsSchema,
  revokeMySessionSchema,
  revokeMyTokenSchema,
  type SessionList,
  type TokenList,
} from "../schemas/users.js";
import { sessionOf } from "../security.js";
import type { EngineServices } from "../services.js";
import { sessionItem, tokenItem } from "./account-views.js";
import { sessionView } from "./auth.js";

type Deps = Pick<EngineServices, "auth" | "accounts">;

const me = (req: FastifyRequest) => {
  const s = sessionOf(req);
  return { session: s, user: { id: s.userId, name: s.username } };
};

export const meRoutes: FastifyPluginAsync<Deps> = async (app, { auth, accounts }) => {
  app.get<{ Reply: SessionList }>(
    "/me/sessions",
    { schema: mySessionsSchema, config: { authenticated: true } },
    async (req) => {
      const { session } = me(req);
      return { items: (await accounts.sessions.list(session.userId, session.id)).map(sessionItem) };
    },
  );

  app.delete<{ Reply: RevokedSessions }>(
    "/me/sessions",
    { schema: revokeMyOtherSessionsSchema, config: { authenticated: true } },
    async (req) => {
      const { session, user } = me(req);
      // Signed in with a token there is no "this session" to keep: every session ends.
      const keep = session.credential === "session" ? session : undefined;
      return { revoked: await mapped(() => accounts.sessions.revokeAll(user.name, user, keep)) };
    },
  );

  app.delete<{ Params: { sessionId: string }; Reply: { ok: boolean } }>(
    "/me/sessions/:sessionId",
    { schema: revokeMySessionSchema, config: { authenticated: true } },
    async (req) => {
      const { user } = me(req);
      await mapped(() => accounts.sessions.revoke(user.name, user, req.params.sessionId));
      return { ok: true };
    },
  );

  app.get<{ Reply: TokenList }>(
    "/me/tokens",
    { schema: myTokensSchema, config: { authenticated: true } },
    async (req) => {
      const now = auth.now();
      return { items: (await accounts.tokens.list(sessionOf(req).userId)).map((t) => tokenItem(t, now)) };
    },
  );

  app.post<{ Body: CreateTokenRequest; Reply: CreatedToken }>(
    "/me/tokens",
    { schema: createTokenSchema, config: { authenticated: true, reauth: true, sessionOnly: true } },
    async (req, reply) => {
      const created = await mapped(() => accounts.tokens.create(sessionOf(req), req.body));
      void reply.code(201);
      return { token: created.token, ...tokenItem(created.record, auth.now()) };
    },
  );

  app.delete<{ Params: { tokenId: number }; Reply: { ok: boolean } }>(
    "/me/tokens/:tokenId",
    { schema: revokeMyTokenSchema, config: { authenticated: true, sessionOnly: true } },
    async (req) => {
      const { user } = me(req);
      await mapped(() => accounts.tokens.revoke(user.name, user, req.params.tokenId));
      return { ok: true };
    },
  );

  app.post<{ Body: ChangePasswordRequest; Reply: SessionInfo }>(
    "/auth/password",
    { schema: changePasswordSchema, config: { authenticated: true, sessionOnly: true } },
    async (req) => {
      const ua = req.headers["user-agent"];
      const session = await mapped(() =>
        auth.changePassword(req.bearer, req.body, {
          address: req.ip,
          userAgent: typeof ua === "string" ? ua : undefined,
        }),
      );
      return sessionView(session);
    },
  );
};
