/**
 * WebSocket /ws/stats: pushes the GET /stats body every second. The bearer token is checked at
 * upgrade by the security hook (an HTTP 401/403 instead of a 101) and re-checked before every push
 * without extending the session, so a socket never outlives its session or its permission.
 */
import type { FastifyPluginAsync } from "fastify";
import { isApiError } from "../errors.js";
import { statsFeedSchema } from "../schemas/monitoring.js";
import { authorize } from "../security.js";
import type { EngineServices } from "../services.js";
import { statsView } from "./monitoring.js";

/** Close codes in the application range: 4000 + the HTTP status they stand for. */
export const WS_CLOSE = { unauthenticated: 4401, forbidden: 4403, error: 1011 } as const;

/** The part of a `ws` WebSocket this route uses (ws ships no types here). */
interface FeedSocket {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  on(event: "close", listener: () => void): void;
}

const OPEN = 1;

type Deps = Pick<EngineServices, "auth" | "monitoring"> & { intervalMs: number };

export const statsFeedRoutes: FastifyPluginAsync<Deps> = async (app, { auth, monitoring, intervalMs }) => {
  app.get(
    "/ws/stats",
    { websocket: true, schema: statsFeedSchema, config: { permission: "monitoring:read" } },
    (socket: FeedSocket, req) => {
      const token = req.bearer ?? undefined;
      let busy = false;
      const tick = async (): Promise<void> => {
        if (busy || socket.readyState !== OPEN) return;
        busy = true;
        try {
          await authorize(auth, token, { permission: "monitoring:read" }, false);
          const body = JSON.stringify(statsView(await monitoring.stats()));
          if (socket.readyState === OPEN) socket.send(body);
        } catch (err) {
          if (isApiError(err, "FORBIDDEN"))
            socket.close(WS_CLOSE.forbidden, "permission monitoring:read revoked");
          else if (isApiError(err) && err.statusCode === 401)
            socket.close(WS_CLOSE.unauthenticated, "session ended");
          else {
            req.log.error({ err }, "stats feed failed");
            socket.close(WS_CLOSE.error, "internal error");
          }
        } finally {
          busy = false;
        }
      };
      const timer = setInterval(() => void tick(), intervalMs);
      socket.on("close", () => clearInterval(timer));
      void tick();
    },
  );
};
