/**
 * Where the API may listen. Loopback by default; any other address carries patient data over the
 * network, so it needs TLS or an explicit, logged reason to go without. Pure: `serve` calls it
 * before listening and logs `warning` when present.
 */
import { isIP } from "node:net";

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 8765;

export interface BindingRequest {
  host?: string | undefined;
  tls?: { cert?: string | Buffer | undefined; key?: string | Buffer | undefined } | undefined;
  /** Why plain HTTP on a non-loopback address is acceptable (e.g. "behind TLS-terminating proxy on this host"). */
  insecureReason?: string | undefined;
}

export type BindingDecision =
  | { ok: true; host: string; tls: boolean; warning?: string }
  | { ok: false; host: string; error: string };

export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

export function checkBinding(req: BindingRequest): BindingDecision {
  const host = (req.host ?? DEFAULT_HOST).trim() || DEFAULT_HOST;
  const hasCert = req.tls?.cert !== undefined && req.tls.cert !== "";
  const hasKey = req.tls?.key !== undefined && req.tls.key !== "";
  if (hasCert !== hasKey) {
    return { ok: false, host, error: "TLS needs both a certificate and a key" };
  }
  const tls = hasCert && hasKey;
  if (isLoopback(host) || tls) return { ok: true, host, tls };
  const reason = req.insecureReason?.trim();
  if (reason) {
    return {
      ok: true,
      host,
      tls: false,
      warning: `API listening on ${host} without TLS (insecure, reason given: ${reason}); bearer tokens and patient data cross the network in clear text`,
    };
  }
  return {
    ok: false,
    host,
    error: `binding ${host} exposes the API beyond this machine: give a TLS certificate and key, or an explicit insecure reason`,
  };
}
