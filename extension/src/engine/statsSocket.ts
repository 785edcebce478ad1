/**
 * The live counters feed (WS /ws/stats). Node 20 has no global WebSocket that can send headers, and the
 * engine wants the bearer token in the upgrade's Authorization header, so this uses the `ws` package
 * (already installed with @fastify/websocket). Reconnects with backoff until disposed, except when the
 * engine refuses the token — then the caller is told why and must sign in again.
 */

import type { StatsFrame } from "messagefoundry/api";
import { WebSocket } from "ws";

export interface StatsSubscription {
  dispose(): void;
}

export class StatsSocketError extends Error {
  constructor(
    message: string,
    /** HTTP status of a refused upgrade (401/403), or 0 for a network failure. */
    readonly status: number,
  ) {
    super(message);
    this.name = "StatsSocketError";
  }
}

const MAX_BACKOFF_MS = 30_000;

export function openStatsSocket(
  url: string,
  token: string | undefined,
  onFrame: (frame: StatsFrame) => void,
  onClose?: (err?: Error) => void,
): StatsSubscription {
  let disposed = false;
  let socket: WebSocket | undefined;
  let timer: NodeJS.Timeout | undefined;
  let backoff = 1000;

  const connect = () => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const ws = new WebSocket(url, { headers, handshakeTimeout: 10_000 });
    socket = ws;
    let refused = false;
    ws.on("open", () => {
      backoff = 1000;
    });
    ws.on("message", (data) => {
      try {
        const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : data.toString();
        onFrame(JSON.parse(text) as StatsFrame);
      } catch {
        // A frame that is not JSON is ignored; the next one carries the full counters again.
      }
    });
    ws.on("unexpected-response", (_req, res) => {
      refused = true;
      const status = res.statusCode ?? 0;
      ws.terminate();
      onClose?.(new StatsSocketError(`The engine refused the stats feed (HTTP ${status}).`, status));
    });
    ws.on("error", () => {
      // "close" follows every error; reconnecting is decided there.
    });
    ws.on("close", () => {
      if (disposed || refused) return;
      timer = setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    });
  };
  connect();

  return {
    dispose() {
      disposed = true;
      if (timer) clearTimeout(timer);
      socket?.close();
      onClose?.();
    },
  };
}
