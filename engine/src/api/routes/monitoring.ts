/** GET /connections, GET /stats, POST /connections/:name/start|stop. */
import type { FastifyPluginAsync } from "fastify";
import { AUDIT_ACTIONS, holds } from "../../auth/index.js";
import { ApiError } from "../errors.js";
import { iso, isoOrNull } from "../schemas/common.js";
import {
  type ConnectionControlResult,
  type ConnectionStatus as ConnectionItem,
  type ConnectionList,
  connectionsSchema,
  controlSchema,
  type StatsFrame,
  statsSchema,
} from "../schemas/monitoring.js";
import { sessionOf } from "../security.js";
import type { ConnectionStatus, EngineServices, EngineStats } from "../services.js";
import { activeAlertView } from "./alerts.js";

/** The GET /stats body; also what WS /ws/stats pushes (JSON.stringify, no schema on that path). */
export function statsView(s: EngineStats): StatsFrame {
  return {
    at: iso(s.at),
    totals: s.totals,
    connections: s.connections.map((c) => ({ ...c, lastActivity: isoOrNull(c.lastActivity) })),
    depth: s.depth,
    ...(s.alerts ? { alerts: s.alerts.map(activeAlertView) } : {}),
    ...(s.cluster ? { cluster: { ...s.cluster, roleChangedAt: isoOrNull(s.cluster.roleChangedAt) } } : {}),
  };
}

/** The error text can quote a message (a receiver's reply, a file name): `messages:raw` only. */
function connectionView(c: ConnectionStatus, showText: boolean): ConnectionItem {
  return {
    ...c,
    error: showText ? (c.error ?? null) : null,
    errorClass: c.errorClass ?? null,
    lastActivity: isoOrNull(c.lastActivity),
  };
}

type Deps = Pick<EngineServices, "auth" | "monitoring" | "connections">;

export const monitoringRoutes: FastifyPluginAsync<Deps> = async (app, { auth, monitoring, connections }) => {
  app.get<{ Reply: ConnectionList }>(
    "/connections",
    { schema: connectionsSchema, config: { permission: "monitoring:read" } },
    async (req) => {
      const showText = holds(sessionOf(req), "messages:raw");
      return { items: (await monitoring.connections()).map((c) => connectionView(c, showText)) };
    },
  );

  app.get<{ Reply: StatsFrame }>(
    "/stats",
    { schema: statsSchema, config: { permission: "monitoring:read" } },
    async () => statsView(await monitoring.stats()),
  );

  for (const action of ["start", "stop"] as const) {
    app.post<{ Params: { name: string }; Reply: ConnectionControlResult }>(
      `/connections/:name/${action}`,
      {
        schema: { ...controlSchema, summary: `${action} a connection` },
        config: { permission: "connections:control" },
      },
      async (req) => {
        const { name } = req.params;
        const state = await connections[action](name);
        if (state === undefined) throw new ApiError("CONNECTION_NOT_FOUND", `no connection named "${name}"`);
        await auth.recordAudit(
          sessionOf(req),
          action === "start" ? AUDIT_ACTIONS.connectionStarted : AUDIT_ACTIONS.connectionStopped,
          `connection:${name}`,
          { state },
        );
        return { name, state };
      },
    );
  }
};
