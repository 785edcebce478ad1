/**
 * Who may talk to the API from where. A web page in the user's browser can reach 127.0.0.1:8765
 * (simple POSTs, or DNS rebinding: `evil.example` resolving to 127.0.0.1), so every request — HTTP
 * and the WebSocket upgrade alike — must name this engine in `Host`, and a request that carries a
 * browser `Origin` is refused unless that origin was explicitly allowed. Clients that are not
 * browsers (the CLI, the extension host's Node `fetch` and `ws`) send no Origin and pass.
 *
 * Pure: the app feeds it the bound address and the request's two headers.
 */
import { networkInterfaces, hostname as osHostname } from "node:os";
import { isLoopback } from "./binding.js";

export interface RequestOriginOptions {
  /** Extra `Host` values (`name` for any port, or `name:port`), e.g. a reverse proxy's public name. */
  allowedHosts?: readonly string[];
  /** Browser origins allowed to call the API (`scheme://host[:port]`), e.g. a trusted dashboard. */
  allowedOrigins?: readonly string[];
}

/** Where the server listens: the host it was asked to bind and the port it got (undefined before listen). */
export interface BoundAddress {
  host: string;
  port: number | undefined;
  /** HTTPS: a Host without a port means 443 (else 80). */
  tls?: boolean;
}

export type OriginVerdict =
  | { ok: true }
  | { ok: false; code: "HOST_NOT_ALLOWED" | "ORIGIN_NOT_ALLOWED"; message: string };

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1"];
const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);

function stripBrackets(h: string): string {
  return h.replace(/^\[(.*)\]$/, "$1");
}

/** `name[:port]` (IPv6 in brackets) → lower-cased name without brackets and the port, if any. */
export function parseHostHeader(value: string): { name: string; port: number | undefined } | undefined {
  const v = value.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]\s/@]+)(?::(\d{1,5}))?$/.exec(v);
  if (!m?.[1]) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && port > 65535) return undefined;
  return { name: stripBrackets(m[1]).replace(/\.$/, ""), port };
}

/** `scheme://host[:port]` with the default port dropped, lower-cased; undefined when not an origin. */
export function normalizeOrigin(value: string): string | undefined {
  try {
    const u = new URL(value.trim());
    if (u.origin === "null") return undefined;
    return u.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The host names a request may carry for this binding (lower case, no brackets). */
function boundNames(bound: BoundAddress): Set<string> {
  const host = stripBrackets(bound.host.trim().toLowerCase());
  const names = new Set<string>();
  if (isLoopback(host) || WILDCARDS.has(host)) for (const n of LOOPBACK_NAMES) names.add(n);
  if (!WILDCARDS.has(host)) {
    names.add(host);
    return names;
  }
  // Bound on every interface: the machine's own name and addresses are this engine.
  names.add(osHostname().toLowerCase());
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) names.add(stripBrackets(i.address.toLowerCase()).replace(/%.*$/, ""));
  }
  return names;
}

/**
 * The check, built once per app. `bound()` is read per request because the port is only known
 * after listen; before listen (fastify `inject`) the port is not compared.
 */
export function requestOriginCheck(
  bound: () => BoundAddress,
  opts: RequestOriginOptions = {},
): (host: string | undefined, origin: string | undefined) => OriginVerdict {
  const extraHosts = (opts.allowedHosts ?? []).map((h) => {
    const parsed = parseHostHeader(h);
    if (!parsed) throw new RangeError(`allowed host "${h}" is not a host name or host:port`);
    return parsed;
  });
  const origins = new Set(
    (opts.allowedOrigins ?? []).map((o) => {
      const n = normalizeOrigin(o);
      if (!n) throw new RangeError(`allowed origin "${o}" is not an origin like https://host:port`);
      return n;
    }),
  );
  let cached: { key: string; names: Set<string> } | undefined;

  return (hostHeader, originHeader) => {
    const b = bound();
    const parsed = hostHeader === undefined ? undefined : parseHostHeader(hostHeader);
    const extra =
      parsed !== undefined &&
      extraHosts.some((e) => e.name === parsed.name && (e.port === undefined || e.port === parsed.port));
    if (!extra) {
      const key = b.host;
      if (cached?.key !== key) cached = { key, names: boundNames(b) };
      // A Host without a port means the scheme's default one.
      const port = parsed?.port ?? (b.tls ? 443 : 80);
      const portOk = b.port === undefined || port === b.port;
      if (!parsed || !cached.names.has(parsed.name) || !portOk) {
        return {
          ok: false,
          code: "HOST_NOT_ALLOWED",
          message: `Host "${hostHeader ?? ""}" does not name this engine; to reach it under another name start serve with --api-allowed-host`,
        };
      }
    }
    if (originHeader !== undefined) {
      const o = normalizeOrigin(originHeader);
      if (o === undefined || !origins.has(o)) {
        return {
          ok: false,
          code: "ORIGIN_NOT_ALLOWED",
          message: `requests from browser origin "${originHeader}" are refused; allow a trusted origin with serve --api-allowed-origin`,
        };
      }
    }
    return { ok: true };
  };
}
