/**
 * The app factory: builds the fastify instance over the engine's services without listening, so
 * tests drive it with `inject()` or `listen({ port: 0 })` and `serve` decides where it binds
 * (see binding.ts). Order matters: the security plugin's onRoute hook must exist before any route.
 */
import websocket from "@fastify/websocket";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from "fastify";
import { isAuthError } from "../auth/index.js";
import { DEFAULT_HOST } from "./binding.js";
import { ApiError, toApiError } from "./errors.js";
import { buildOpenApi, RouteCollector } from "./openapi.js";
import { type RequestOriginOptions, requestOriginCheck } from "./request-origin.js";
import { alertRoutes } from "./routes/alerts.js";
import { authRoutes } from "./routes/auth.js";
import { clusterRoutes, standbyWrites } from "./routes/cluster.js";
import { configRoutes } from "./routes/config.js";
import { healthRoutes } from "./routes/health.js";
import { meRoutes } from "./routes/me.js";
import { messageRoutes } from "./routes/messages.js";
import { metricsRoutes } from "./routes/metrics.js";
import { monitoringRoutes } from "./routes/monitoring.js";
import { statsFeedRoutes } from "./routes/stats-feed.js";
import { supportRoutes } from "./routes/support.js";
import { userRoutes } from "./routes/users.js";
import { securityPlugin } from "./security.js";
import type { EngineServices } from "./services.js";

declare module "fastify" {
  interface FastifyInstance {
    /** Every registered route with its declared access (what /openapi.json and the route-walk test read). */
    apiRoutes: RouteCollector;
  }
}

export interface AppOptions {
  /** Reported by /health and in the OpenAPI document. */
  version?: string;
  /** Fastify/pino logger options; off by default. The Authorization header is always redacted. */
  logger?: FastifyServerOptions["logger"];
  /** HTTPS: PEM certificate and key (checkBinding decides whether they are required). */
  https?: { cert: string | Buffer; key: string | Buffer };
  /** Push interval of /ws/stats (default 1000 ms). */
  statsIntervalMs?: number;
  /** Default body limit (stage has its own, larger one). Default 1 MiB. */
  bodyLimit?: number;
  /**
   * The host `serve` binds (what `Host` must name); default: the address the server listens on.
   * Requests naming another host, or from a browser origin not allowed here, are refused.
   */
  host?: string;
  /** Extra `Host` names and browser origins accepted (`serve --api-allowed-host/--api-allowed-origin`). */
  allowed?: RequestOriginOptions;
}

/** Statuses fastify itself raises (bad JSON, size, media type) mapped onto the registry. */
function fastifyErrorCode(status: number): ApiError["code"] {
  if (status === 404) return "NOT_FOUND";
  if (status === 413) return "PAYLOAD_TOO_LARGE";
  if (status === 415) return "UNSUPPORTED_MEDIA_TYPE";
  return "BAD_REQUEST";
}

export function buildApp(services: EngineServices, options: AppOptions = {}): FastifyInstance {
  const version = options.version ?? "0.0.0";
  const logger = options.logger ?? false;
  const app = Fastify({
    logger:
      logger && typeof logger === "object"
        ? { ...logger, redact: ["req.headers.authorization", "req.headers.cookie"] }
        : logger,
    // No automatic HEAD twins: every route the app answers is one the route walk sees.
    exposeHeadRoutes: false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Unknown body properties are refused (additionalProperties: false), not silently dropped.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: "array", useDefaults: true, allErrors: false },
    },
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;

  const collector = new RouteCollector();
  app.decorate("apiRoutes", collector);

  app.setErrorHandler((err: FastifyError, req, reply) => {
    let api: ApiError;
    if (err.validation) {
      api = new ApiError("VALIDATION_FAILED", err.message);
    } else if (err instanceof Error && !(err instanceof ApiError) && !isAuthError(err)) {
      const status = err.statusCode ?? 500;
      api =
        status >= 400 && status < 500
          ? new ApiError(fastifyErrorCode(status), err.message)
          : new ApiError("INTERNAL", "internal error");
    } else {
      api = toApiError(err);
    }
    if (api.statusCode >= 500) req.log.error({ err }, "request failed");
    if (api.retryAfterS !== undefined) void reply.header("retry-after", String(api.retryAfterS));
    return reply.code(api.statusCode).send(api.toBody());
  });

  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send(new ApiError("NOT_FOUND", `no route ${req.method} ${req.url.split("?")[0]}`).toBody()),
  );

  // The websocket plugin first: its onRequest hook marks upgrade requests so that a refused upgrade
  // (our 401/403) gets its socket destroyed instead of lingering as a keep-alive connection.
  app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  // Before auth: a page in a browser (forged Host via DNS rebinding, or a foreign Origin) gets no
  // further than this, on HTTP and on the WebSocket upgrade alike.
  const originCheck = requestOriginCheck(() => {
    const addr = app.server.address();
    const listening = typeof addr === "object" && addr !== null;
    return {
      host: options.host ?? (listening ? addr.address : DEFAULT_HOST),
      port: listening ? addr.port : undefined,
      tls: options.https !== undefined,
    };
  }, options.allowed);
  app.addHook("onRequest", async (req) => {
    const origin = req.headers.origin;
    const verdict = originCheck(req.headers.host, Array.isArray(origin) ? origin[0] : origin);
    if (!verdict.ok) throw new ApiError(verdict.code, verdict.message);
  });
  app.register(securityPlugin, { auth: services.auth, collector });
  app.register(standbyWrites, { cluster: services.cluster });

  app.register(async (scope) => {
    scope.get(
      "/openapi.json",
      { schema: { tags: ["meta"], summary: "This document" }, config: { authenticated: true } },
      async () => buildOpenApi(collector.routes(), { title: "MessageFoundry engine API", version }),
    );
  });
  app.register(healthRoutes, { version });
  app.register(authRoutes, { auth: services.auth });
  app.register(meRoutes, services);
  app.register(userRoutes, services);
  app.register(monitoringRoutes, services);
  app.register(metricsRoutes, services);
  app.register(statsFeedRoutes, { ...services, intervalMs: options.statsIntervalMs ?? 1000 });
  app.register(messageRoutes, services);
  app.register(configRoutes, services);
  app.register(alertRoutes, services);
  app.register(supportRoutes, services);
  app.register(clusterRoutes, services);
  return app;
}
