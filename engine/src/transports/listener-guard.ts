/**
 * Limits every listener (MLLP, TCP, HTTP) applies at accept: a cap on concurrent connections and an
 * optional allow-list of client addresses. A refused connection is closed before a byte of it is
 * read, counted in the inbound's state (`refusedConnections`) and logged — one warning per reason per
 * 10 s with the count since the last one, so a flood cannot flood the log; never any payload.
 */
import net from "node:net";
import { parseAddressRule } from "../graph/index.js";
import { errorText } from "./errors.js";
import type { SettingsReader } from "./settings.js";
import type { InboundStats } from "./stats.js";
import type { ConnectorLog } from "./types.js";

export interface ListenerLimits {
  /** Concurrent connections beyond this are closed at once; 0 = no limit. Default 100. */
  maxConnections: number;
  /** Client addresses / CIDR blocks allowed to connect; undefined = any. */
  allowFrom?: readonly string[];
}

export const DEFAULT_MAX_CONNECTIONS = 100;

/**
 * Binds a listener (MLLP, TCP, HTTP, SOAP) on host:port. A bind failure marks the inbound `error` and
 * throws naming it; a later server error is counted and logged.
 */
export async function bindListener(
  server: net.Server,
  at: { host: string; port: number },
  stats: InboundStats,
  log: ConnectorLog,
  who: { type: string; name: string },
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(at.port, at.host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch((err: unknown) => {
    stats.status = "error";
    stats.error(errorText(err));
    throw new Error(
      `${who.type} inbound ${who.name}: cannot listen on ${at.host}:${at.port}: ${errorText(err)}`,
    );
  });
  server.on("error", (err) => {
    stats.status = "error";
    stats.error(errorText(err));
    log.error({ connection: who.name, error: errorText(err) }, "listener error");
  });
}

export function readListenerLimits(r: SettingsReader): ListenerLimits {
  const limits: ListenerLimits = {
    maxConnections: r.int("maxConnections", { def: DEFAULT_MAX_CONNECTIONS, min: 0 }),
  };
  if (!r.has("allowFrom")) return limits;
  const v = r.raw.allowFrom;
  if (!Array.isArray(v)) return r.fail("allowFrom", "must be an array of addresses or CIDR blocks");
  v.forEach((x, i) => {
    if (typeof x !== "string" || parseAddressRule(x) === undefined)
      r.fail(`allowFrom.${i}`, `must be an IP address or CIDR block (got ${JSON.stringify(x)})`);
  });
  return { ...limits, allowFrom: v as string[] };
}

/** How often a refusal is logged at warn at most, per reason. */
const LOG_EVERY_MS = 10_000;

type Reason = "connection limit reached" | "client address not allowed";

export class ListenerGuard {
  private readonly allowed: net.BlockList | undefined;
  private readonly lastLog = new Map<Reason, { at: number; since: number }>();

  constructor(
    private readonly connection: string,
    private readonly limits: ListenerLimits,
    private readonly stats: InboundStats,
    private readonly log: ConnectorLog,
  ) {
    if (limits.allowFrom) {
      const list = new net.BlockList();
      for (const text of limits.allowFrom) {
        const rule = parseAddressRule(text)!; // validated by readListenerLimits
        list.addSubnet(rule.address, rule.prefix, rule.family);
      }
      this.allowed = list;
    }
  }

  /**
   * Applies the limits to `server`, right after it is created: a refused socket never reaches the
   * server's own connection handling (TLS or HTTP), which would otherwise start on it and log a failed
   * handshake per refusal. Listeners added later must skip a socket that is already destroyed.
   */
  attach(server: net.Server): void {
    if (this.limits.maxConnections > 0) {
      // Node closes a connection over the cap before any 'connection' listener sees it.
      server.maxConnections = this.limits.maxConnections;
      server.on("drop", (data?: net.DropArgument) =>
        this.refused("connection limit reached", data?.remoteAddress),
      );
    }
    const allowed = this.allowed;
    if (allowed) {
      const inner = server.listeners("connection") as ((socket: net.Socket) => void)[];
      server.removeAllListeners("connection");
      server.on("connection", (socket: net.Socket) => {
        if (isAllowed(allowed, socket.remoteAddress)) {
          for (const listener of inner) listener.call(server, socket);
          return;
        }
        socket.destroy();
        this.refused("client address not allowed", socket.remoteAddress);
      });
    }
  }

  private refused(reason: Reason, remote: string | undefined): void {
    this.stats.refused();
    const now = Date.now();
    const last = this.lastLog.get(reason);
    if (last && now - last.at < LOG_EVERY_MS) {
      last.since++;
      this.log.debug({ connection: this.connection, remote, reason }, "connection refused");
      return;
    }
    this.lastLog.set(reason, { at: now, since: 0 });
    this.log.warn(
      { connection: this.connection, remote, reason, refusedSinceLastWarning: (last?.since ?? 0) + 1 },
      "connection refused",
    );
  }
}

/** IPv4 peers of a dual-stack listener show as `::ffff:a.b.c.d`: match those as IPv4. */
function isAllowed(list: net.BlockList, address: string | undefined): boolean {
  if (!address) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return list.check(mapped[1]!, "ipv4");
  return list.check(address, net.isIPv6(address) ? "ipv6" : "ipv4");
}
