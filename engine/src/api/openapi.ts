/**
 * Collects every route fastify registers (an onRoute hook, so plugins' routes count too) and renders
 * them as an OpenAPI 3.1 document. The same list drives the route-walk test, so the document and
 * the security checks can never describe different APIs.
 */
import type { FastifySchema, RouteOptions } from "fastify";
import type { RouteAccess } from "./access.js";
import { errorBody } from "./schemas/common.js";

declare module "fastify" {
  interface FastifySchema {
    /** OpenAPI documentation fields (ignored by validation). */
    tags?: readonly string[];
    summary?: string;
    description?: string;
    hide?: boolean;
  }
}

export interface RouteInfo {
  method: string;
  /** Fastify form, e.g. `/messages/:id`. */
  url: string;
  access: RouteAccess;
  websocket: boolean;
  schema: FastifySchema | undefined;
}

export class RouteCollector {
  readonly #routes: RouteInfo[] = [];

  /** Records a route; called from the security plugin's onRoute hook once access is resolved. */
  add(opts: RouteOptions, access: RouteAccess): void {
    const methods = Array.isArray(opts.method) ? opts.method : [opts.method];
    for (const method of methods) {
      this.#routes.push({
        method: String(method).toUpperCase(),
        url: opts.url,
        access,
        websocket: (opts as { websocket?: boolean }).websocket === true,
        schema: opts.schema,
      });
    }
  }

  routes(): readonly RouteInfo[] {
    return this.#routes;
  }
}

/** `/messages/:id` → `/messages/{id}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

type Json = Record<string, unknown>;

function parameters(where: "path" | "query", schema: unknown): Json[] {
  const s = schema as { properties?: Record<string, Json>; required?: string[] } | undefined;
  if (!s?.properties) return [];
  return Object.entries(s.properties).map(([name, p]) => ({
    name,
    in: where,
    required: where === "path" || (s.required ?? []).includes(name),
    schema: p,
    ...(typeof p.description === "string" ? { description: p.description } : {}),
  }));
}

function operation(r: RouteInfo): Json {
  const s: FastifySchema = r.schema ?? {};
  const responses: Json = {};
  for (const [status, body] of Object.entries((s.response ?? {}) as Record<string, unknown>)) {
    responses[status] = { description: status, content: { "application/json": { schema: body } } };
  }
  if (r.websocket) responses["101"] = { description: "Switching Protocols (WebSocket)" };
  responses.default = { description: "error", content: { "application/json": { schema: errorBody } } };
  const op: Json = {
    operationId: `${r.method.toLowerCase()}${openApiPath(r.url).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
    ...(s.summary ? { summary: s.summary } : {}),
    ...(s.tags ? { tags: s.tags } : {}),
    parameters: [...parameters("path", s.params), ...parameters("query", s.querystring)],
    responses,
    security: r.access.kind === "public" ? [] : [{ bearer: [] }],
    "x-access": r.access,
  };
  if (s.body) op.requestBody = { required: true, content: { "application/json": { schema: s.body } } };
  if (r.websocket) op["x-websocket"] = true;
  return op;
}

export function buildOpenApi(routes: readonly RouteInfo[], info: { title: string; version: string }): Json {
  const paths: Record<string, Json> = {};
  for (const r of routes) {
    const path = openApiPath(r.url);
    const entry = paths[path] ?? {};
    entry[r.method.toLowerCase()] = operation(r);
    paths[path] = entry;
  }
  return {
    openapi: "3.1.0",
    info,
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "token from POST /auth/login" },
      },
      schemas: { Error: errorBody },
    },
  };
}
