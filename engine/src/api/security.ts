/**
 * The one door. At registration, every route must declare its access (access.ts) or fastify refuses
 * to start. On each request, before the body is even parsed, the bearer token is resolved through the
 * auth core (401), the permission checked (403 FORBIDDEN) and, for sensitive routes, a recent
 * re-authentication required (403 REAUTH_REQUIRED).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { holds, type Session } from "../auth/index.js";
import { resolveAccess } from "./access.js";
import { ApiError, toApiError } from "./errors.js";
import type { RouteCollector } from "./openapi.js";
import type { AuthPort } from "./services.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The session the request acts under; null on public routes. */
    session: Session | null;
    /** The bearer token (needed for logout/reauth); never logged. */
    bearer: string | null;
  }
}

export interface SecurityOptions {
  auth: AuthPort;
  collector: RouteCollector;
}

/** The token from `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const m = value === undefined ? null : /^Bearer[ ]+([^\s]+)\s*$/i.exec(value);
  return m?.[1];
}

/** The request's session; routes that declared a permission or `authenticated` always have one. */
export function sessionOf(req: FastifyRequest): Session {
  if (!req.session) throw new ApiError("UNAUTHENTICATED", "this route needs a session");
  return req.session;
}

/** Resolves and checks a bearer token; shared with the WebSocket re-check. Throws ApiError. */
export async function authorize(
  auth: AuthPort,
  token: string | undefined,
  need: { permission?: Session["permissions"][number]; reauth?: boolean; sessionOnly?: boolean },
  touch = true,
): Promise<Session> {
  if (!token) {
    throw new ApiError(
      "UNAUTHENTICATED",
      "missing bearer token: send Authorization: Bearer <token> from POST /auth/login",
    );
  }
  let session: Session;
  try {
    session = await auth.authenticate(token, { touch });
  } catch (err) {
    throw toApiError(err);
  }
  if (session.mustChangePassword && need.permission !== undefined) {
    throw new ApiError(
      "PASSWORD_CHANGE_REQUIRED",
      "your password was reset: change it first (POST /auth/password), then retry",
    );
  }
  if (need.permission !== undefined && !holds(session, need.permission)) {
    throw new ApiError(
      "FORBIDDEN",
      session.credential === "token"
        ? `this API token's scope lacks permission ${need.permission}`
        : `role "${session.role}" lacks permission ${need.permission}`,
    );
  }
  if (session.credential === "token") {
    // A token cannot re-authenticate: it was created under a recent re-authentication instead, and
    // only a token made `sensitive` stands in for one. User/token/password management needs a person.
    if (need.sessionOnly)
      throw new ApiError("TOKEN_NOT_ALLOWED", "an API token cannot do this; sign in as a user");
    if (need.reauth && !session.sensitive) {
      throw new ApiError(
        "TOKEN_NOT_ALLOWED",
        "this action needs a re-authentication, which an API token cannot do; use a token made with sensitive: true",
      );
    }
    return session;
  }
  if (need.reauth) {
    try {
      auth.requireRecentAuth(session);
    } catch (err) {
      throw toApiError(err);
    }
  }
  return session;
}

async function security(app: FastifyInstance, opts: SecurityOptions): Promise<void> {
  app.decorateRequest("session", null);
  app.decorateRequest("bearer", null);

  app.addHook("onRoute", (route) => {
    // Fastify's automatic HEAD twin of a GET inherits the GET's config; it is refused below anyway.
    const method = Array.isArray(route.method) ? route.method.join(",") : route.method;
    const access = resolveAccess(method, route.url, route.config);
    route.config = { ...route.config, access };
    opts.collector.add(route, access);
  });

  app.addHook("onRequest", async (req) => {
    const access = req.routeOptions.config.access;
    // No access on the not-found handler only: registered routes always carry one (see onRoute).
    if (access === undefined || access.kind === "public") return;
    const token = bearerToken(req.headers.authorization);
    req.session = await authorize(
      opts.auth,
      token,
      access.kind === "permission"
        ? { permission: access.permission, reauth: access.reauth, sessionOnly: access.sessionOnly === true }
        : { reauth: access.reauth === true, sessionOnly: access.sessionOnly === true },
    );
    req.bearer = token ?? null;
  });
}

export const securityPlugin = fp(security, { name: "messagefoundry-security", fastify: "5.x" });
