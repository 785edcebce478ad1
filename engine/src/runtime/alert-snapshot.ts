/**
 * What the alert evaluator sees of a running engine: the API's view of each connection (state, error
 * class, counters, queue depth), plus for the connections a rule watches their dead letters, the
 * head of their outbound lane and their TLS certificate's expiry. Reads only; sends nothing.
 */
import { X509Certificate } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { type AlertRuleDef, alertRulesOf, type ConnectionSample, type Snapshot } from "../alerts/index.js";
import { storeMonitoring } from "../api/index.js";
import type { Registry } from "../config/index.js";
import type { Runner } from "../pipeline/runner.js";
import type { Store } from "../store/index.js";
import { describeConnections } from "./connection-states.js";

/** Enough to know "more than the limit": the evaluator only compares. */
const DEAD_LETTER_PROBE = 1000;

export function alertSnapshots(engine: {
  store: Store;
  runner: Pick<Runner, "connections">;
}): (registry: Registry) => Promise<Snapshot> {
  const monitoring = storeMonitoring(engine.store, () => describeConnections(engine.runner));
  const certs = new CertCache();
  return async (registry) => {
    const at = Date.now();
    const rules = alertRulesOf(registry.graph);
    const watched = (kind: AlertRuleDef["condition"]["kind"]) =>
      new Set(rules.filter((r) => r.condition.kind === kind).map((r) => r.condition.connection));
    const dead = watched("deadLetters");
    const heads = watched("backlogAge");
    const tls = watched("certExpiry");
    const connections = new Map<string, ConnectionSample>();
    for (const c of await monitoring.connections()) {
      const inbound = c.direction === "inbound";
      const sample: ConnectionSample = {
        name: c.name,
        direction: c.direction,
        down: c.state !== "running" || (c.errorClass ?? null) !== null,
        errorClass: c.errorClass ?? null,
        queueDepth: c.queueDepth,
        handled: inbound ? c.counts.received : c.counts.delivered + c.counts.failed,
        errors: inbound ? c.counts.errored : c.counts.failed,
        deadLetters: dead.has(c.name) ? await deadLetters(engine.store, c.name) : 0,
      };
      if (heads.has(c.name)) {
        const head = await engine.store.laneHead(c.name);
        if (head) sample.headRowId = head.rowId;
      }
      if (tls.has(c.name)) {
        const def = registry.inbounds.get(c.name) ?? registry.outbounds.get(c.name);
        const notAfter = await certs.notAfter(certPath(def?.settings));
        if (notAfter !== undefined) sample.certNotAfter = notAfter;
      }
      connections.set(c.name, sample);
    }
    return { at, connections };
  };
}

async function deadLetters(store: Store, conn: string): Promise<number> {
  return (await store.listDeadLetters({ conn, limit: DEAD_LETTER_PROBE })).length;
}

function certPath(settings: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const tls = settings?.tls;
  if (typeof tls !== "object" || tls === null) return undefined;
  const cert = (tls as Record<string, unknown>).cert;
  return typeof cert === "string" ? cert : undefined;
}

/** A certificate file's expiry, re-read only when the file changes (a renewed certificate clears the alert). */
class CertCache {
  readonly #seen = new Map<string, { mtimeMs: number; notAfter: number | undefined }>();

  async notAfter(path: string | undefined): Promise<number | undefined> {
    if (path === undefined) return undefined;
    try {
      const { mtimeMs } = await stat(path);
      const held = this.#seen.get(path);
      if (held?.mtimeMs === mtimeMs) return held.notAfter;
      const cert = new X509Certificate(await readFile(path));
      const notAfter = Date.parse(cert.validTo);
      this.#seen.set(path, { mtimeMs, notAfter: Number.isNaN(notAfter) ? undefined : notAfter });
      return this.#seen.get(path)?.notAfter;
    } catch {
      return undefined;
    }
  }
}
