/** GET /health: liveness for monitors. No authentication and nothing beyond status and version. */
import type { FastifyPluginAsync } from "fastify";
import { healthSchema } from "../schemas/monitoring.js";

export const healthRoutes: FastifyPluginAsync<{ version: string }> = async (app, opts) => {
  app.get("/health", { schema: healthSchema, config: { public: true } }, async () => ({
    status: "ok" as const,
    version: opts.version,
  }));
};
