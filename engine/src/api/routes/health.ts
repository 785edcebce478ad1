/** GET /health: liveness for monitors. No authentication and nothing beyond status and version. */
import type { FastifyPluginAsync } from "fastify";
import { type Health, healthSchema } from "../schemas/monitoring.js";

export const healthRoutes: FastifyPluginAsync<{ version: string }> = async (app, opts) => {
  app.get<{ Reply: Health }>("/health", { schema: healthSchema, config: { public: true } }, async () => ({
    status: "ok",
    version: opts.version,
  }));
};
