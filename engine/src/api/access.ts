/**
 * Route access declarations: every route says who may call it, in `config`, or it is refused at
 * registration (deny by default). Exactly one of:
 *   `{ public: true }`            no session (only /health and POST /auth/login)
 *   `{ authenticated: true }`     any live session (logout, reauth, whoami, the OpenAPI document)
 *   `{ permission: "x:y" }`       a live session whose role grants the permission.
 * Add `reauth: true` for actions that need a recent password entry, and `sessionOnly: true` for what an
 * API token may never do (manage users, tokens or passwords). A token passes `reauth` only when it was
 * made `sensitive`.
 */
import { isPermission, type Permission } from "../auth/index.js";

declare module "fastify" {
  interface FastifyContextConfig {
    public?: boolean;
    authenticated?: boolean;
    permission?: Permission;
    reauth?: boolean;
    sessionOnly?: boolean;
    /** Filled in at registration from the fields above; read by the auth hook. */
    access?: RouteAccess;
  }
}

/** `reauth`/`sessionOnly` appear on `authenticated` routes only when set. */
export type RouteAccess =
  | { kind: "public" }
  | { kind: "authenticated"; reauth?: true; sessionOnly?: true }
  | { kind: "permission"; permission: Permission; reauth: boolean; sessionOnly?: true };

/** The only routes allowed to be public. A new public route must be added here on purpose. */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(["GET /health", "POST /auth/login"]);

export class RouteDeclarationError extends Error {
  override readonly name = "RouteDeclarationError";
}

interface Declared {
  public?: unknown;
  authenticated?: unknown;
  permission?: unknown;
  reauth?: unknown;
  sessionOnly?: unknown;
}

/** Validates a route's declaration; throws RouteDeclarationError naming the route when it is missing or wrong. */
export function resolveAccess(method: string, url: string, config: Declared | undefined): RouteAccess {
  const where = `${method} ${url}`;
  const c = config ?? {};
  const kinds = [c.public === true, c.authenticated === true, c.permission !== undefined].filter(
    Boolean,
  ).length;
  if (kinds === 0) {
    throw new RouteDeclarationError(
      `route ${where} declares no access: add config.permission (or authenticated/public); routes are denied by default`,
    );
  }
  if (kinds > 1) {
    throw new RouteDeclarationError(
      `route ${where} declares more than one of public/authenticated/permission`,
    );
  }
  for (const flag of ["reauth", "sessionOnly"] as const) {
    if (c[flag] !== undefined && (c.public === true || typeof c[flag] !== "boolean")) {
      throw new RouteDeclarationError(`route ${where}: ${flag} applies only to a signed-in route`);
    }
  }
  const only = c.sessionOnly === true ? ({ sessionOnly: true } as const) : {};
  if (c.public === true) {
    if (!PUBLIC_ROUTES.has(where)) {
      throw new RouteDeclarationError(
        `route ${where} may not be public (allowed: ${[...PUBLIC_ROUTES].join(", ")})`,
      );
    }
    return { kind: "public" };
  }
  if (c.authenticated === true)
    return { kind: "authenticated", ...(c.reauth === true && { reauth: true }), ...only };
  if (!isPermission(c.permission)) {
    throw new RouteDeclarationError(
      `route ${where} declares unknown permission ${JSON.stringify(c.permission)}`,
    );
  }
  return { kind: "permission", permission: c.permission, reauth: c.reauth === true, ...only };
}
