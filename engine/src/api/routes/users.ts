/**
 * /users: administrators (`users:manage`) list users, add them with a one-time password, disable and
 * enable them, change roles, reset passwords and MFA, and see and end their sessions and API tokens.
 * Every change needs a recent re-authentication, is refused to API tokens and is audited (by the auth
 * core, in the change's own transaction). The last enabled administrator cannot be disabled or demoted.
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { mapped } from "../errors.js";
import {
  type AddUserRequest,
  type AddUserResult,
  addUserSchema,
  listUsersSchema,
  type ResetMfaResult,
  type ResetPasswordResult,
  type RevokedSessions,
  resetMfaSchema,
  resetPasswordSchema,
  revokeUserSessionSchema,
  revokeUserSessionsSchema,
  revokeUserTokenSchema,
  type SessionList,
  type SetRoleRequest,
  setRoleSchema,
  type TokenList,
  type UserList,
  type UserReply,
  userSessionsSchema,
  userStateSchema,
  userTokensSchema,
} from "../schemas/users.js";
import { sessionOf } from "../security.js";
import type { EngineServices } from "../services.js";
import { sessionItem, tokenItem, userView } from "./account-views.js";

type Deps = Pick<EngineServices, "auth" | "accounts">;
type Named = { Params: { name: string } };

const change = { permission: "users:manage", reauth: true, sessionOnly: true } as const;
const read = { permission: "users:manage" } as const;

export const userRoutes: FastifyPluginAsync<Deps> = async (app, { auth, accounts }) => {
  const actor = (req: FastifyRequest) => sessionOf(req).username;

  app.get<{ Reply: UserList }>("/users", { schema: listUsersSchema, config: read }, async () => ({
    items: (await accounts.users.list()).map(userView),
  }));

  app.post<{ Body: AddUserRequest; Reply: AddUserResult }>(
    "/users",
    { schema: addUserSchema, config: change },
    async (req, reply) => {
      const issued = await mapped(() =>
        accounts.users.addWithOneTimePassword(actor(req), req.body.name, req.body.role),
      );
      void reply.code(201);
      return {
        user: userView(issued.user),
        oneTimePassword: issued.oneTimePassword ?? "",
        ...(issued.mfa && { mfa: issued.mfa }),
      };
    },
  );

  for (const [verb, summary] of [
    ["disable", "Disable a user (ends their sessions; their API tokens stop working)"],
    ["enable", "Enable a user again (clears a sign-in lock on the name)"],
  ] as const) {
    app.post<Named & { Reply: UserReply }>(
      `/users/:name/${verb}`,
      { schema: userStateSchema(summary), config: change },
      async (req) => {
        await mapped(() => accounts.users[verb](actor(req), req.params.name));
        return { user: userView(await mapped(() => accounts.users.get(req.params.name))) };
      },
    );
  }

  app.post<Named & { Body: SetRoleRequest; Reply: UserReply }>(
    "/users/:name/role",
    { schema: setRoleSchema, config: change },
    async (req) => {
      await mapped(() => accounts.users.setRole(actor(req), req.params.name, req.body.role));
      return { user: userView(await mapped(() => accounts.users.get(req.params.name))) };
    },
  );

  app.post<Named & { Reply: ResetPasswordResult }>(
    "/users/:name/password-reset",
    { schema: resetPasswordSchema, config: change },
    async (req) => {
      const issued = await mapped(() => accounts.users.resetPassword(actor(req), req.params.name));
      return { user: userView(issued.user), oneTimePassword: issued.oneTimePassword ?? "" };
    },
  );

  app.post<Named & { Reply: ResetMfaResult }>(
    "/users/:name/mfa-reset",
    { schema: resetMfaSchema, config: change },
    async (req) => {
      const mfa = await mapped(() => accounts.users.enrolMfa(actor(req), req.params.name));
      return { user: userView(await mapped(() => accounts.users.get(req.params.name))), mfa };
    },
  );

  app.get<Named & { Reply: SessionList }>(
    "/users/:name/sessions",
    { schema: userSessionsSchema, config: read },
    async (req) => {
      const user = await mapped(() => accounts.users.get(req.params.name));
      return { items: (await accounts.sessions.list(user.id, sessionOf(req).id)).map(sessionItem) };
    },
  );

  app.delete<{ Params: { name: string; sessionId: string }; Reply: { ok: boolean } }>(
    "/users/:name/sessions/:sessionId",
    { schema: revokeUserSessionSchema, config: change },
    async (req) => {
      const user = await mapped(() => accounts.users.get(req.params.name));
      await mapped(() => accounts.sessions.revoke(actor(req), user, req.params.sessionId));
      return { ok: true };
    },
  );

  app.delete<Named & { Reply: RevokedSessions }>(
    "/users/:name/sessions",
    { schema: revokeUserSessionsSchema, config: change },
    async (req) => {
      const user = await mapped(() => accounts.users.get(req.params.name));
      return { revoked: await mapped(() => accounts.sessions.revokeAll(actor(req), user)) };
    },
  );

  app.get<Named & { Reply: TokenList }>(
    "/users/:name/tokens",
    { schema: userTokensSchema, config: read },
    async (req) => {
      const user = await mapped(() => accounts.users.get(req.params.name));
      const now = auth.now();
      return { items: (await accounts.tokens.list(user.id)).map((t) => tokenItem(t, now)) };
    },
  );

  app.delete<{ Params: { name: string; tokenId: number }; Reply: { ok: boolean } }>(
    "/users/:name/tokens/:tokenId",
    { schema: revokeUserTokenSchema, config: change },
    async (req) => {
      const user = await mapped(() => accounts.users.get(req.params.name));
      await mapped(() => accounts.tokens.revoke(actor(req), user, req.params.tokenId));
      return { ok: true };
    },
  );
};
