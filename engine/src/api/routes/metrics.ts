/** GET /metrics: Prometheus text exposition (prometheus.ts), permission `metrics:read`. */
import type { FastifyPluginAsync } from "fastify";
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from "../prometheus.js";
import type { EngineServices } from "../services.js";

type Deps = Pick<EngineServices, "monitoring" | "metrics">;

const metricsSchema = {
  tags: ["monitoring"],
  summary: "Prometheus metrics: per-connection counts and state, queue depths, ACK/delivery latencies",
  response: { 200: { type: "string" } },
} as const;

export const metricsRoutes: FastifyPluginAsync<Deps> = async (app, { monitoring, metrics }) => {
  app.get(
    "/metrics",
    { schema: metricsSchema, config: { permission: "metrics:read" } },
    async (_req, reply) => {
      const [stats, connections] = await Promise.all([monitoring.stats(), monitoring.connections()]);
      const text = renderMetrics({
        stats,
        connections,
        latencies: metrics?.latencies() ?? [],
        ...(metrics?.startedAt !== undefined ? { startedAt: metrics.startedAt } : {}),
      });
      return reply.type(PROMETHEUS_CONTENT_TYPE).send(text);
    },
  );
};
