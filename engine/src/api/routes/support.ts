/** GET /support/log: what `messagefoundry support-bundle` collects beside /graph, /config/* and /stats. */
import type { FastifyPluginAsync } from "fastify";
import { type RecentLogBody, recentLogSchema } from "../schemas/support.js";
import type { EngineServices } from "../services.js";

export const supportRoutes: FastifyPluginAsync<Pick<EngineServices, "support">> = async (
  app,
  { support },
) => {
  app.get<{ Reply: RecentLogBody }>(
    "/support/log",
    { schema: recentLogSchema, config: { permission: "monitoring:read" } },
    async () => support?.recentLog() ?? { lines: [], dropped: 0, capacity: 0 },
  );
};
