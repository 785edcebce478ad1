/**
 * Sending alert notices through outbound connections. A notice goes straight to its own connector
 * for the named outbound (built from the same settings), NOT through the message queue: the queue's
 * lane is FIFO, so a notice would wait behind the very backlog or stuck head it reports, and a notice
 * is not a received message (no inbound, no disposition). One attempt per notice; a notice that does
 * not get through is logged (the engine log always has every notice) and the alert's renotify
 * interval sends it again while the condition lasts.
 */
import type { OutboundDef } from "../config/index.js";
import type { Log } from "../log.js";
import { createOutbound } from "../transports/index.js";
import type { OutboundConnector } from "../transports/types.js";
import type { AlertEvent } from "./evaluate.js";

/** Stream transports (MLLP, TCP) get one line of text; every other transport gets a small JSON object. */
const TEXT_TRANSPORTS = new Set(["mllp", "tcp"]);

/** The notice as sent: names, counts, classes and times only. */
export function noticePayload(transport: string, e: AlertEvent): Buffer {
  if (TEXT_TRANSPORTS.has(transport)) return Buffer.from(`${e.kind.toUpperCase()} ${e.text}`);
  return Buffer.from(
    JSON.stringify({
      alert: e.alert,
      status: e.kind,
      condition: e.condition,
      connection: e.connection,
      value: e.value,
      errorClass: e.errorClass,
      since: new Date(e.since).toISOString(),
      at: new Date(e.at).toISOString(),
      text: e.text,
    }),
  );
}

export type CreateOutbound = (def: OutboundDef) => OutboundConnector;

/** Keeps one notice connector per outbound (rebuilt when its settings change) and sends through it. */
export class Notifier {
  readonly #log: Log;
  readonly #create: CreateOutbound;
  readonly #connectors = new Map<string, { key: string; connector: OutboundConnector }>();

  constructor(
    log: Log,
    create: CreateOutbound = (d) => createOutbound(d.transport, d.name, d.settings, { log }),
  ) {
    this.#log = log;
    this.#create = create;
  }

  /** Sends one notice to one outbound; never throws (a failure is logged with its class only). */
  async send(def: OutboundDef, e: AlertEvent): Promise<boolean> {
    try {
      const connector = await this.#connector(def);
      const id = `alert-${e.alert}-${e.at}`;
      const result = await connector.send(noticePayload(def.transport, e), {
        messageId: id,
        filenameHint: { messageId: id, alert: e.alert, status: e.kind },
      });
      if (result.status === "ok") return true;
      this.#log.warn(
        { event: "alert-notify-failed", alert: e.alert, outbound: def.name, status: result.status },
        "alert notice not delivered",
      );
    } catch (error) {
      this.#log.warn(
        { event: "alert-notify-failed", alert: e.alert, outbound: def.name, err: errorName(error) },
        "alert notice not delivered",
      );
    }
    return false;
  }

  async #connector(def: OutboundDef): Promise<OutboundConnector> {
    const key = `${def.transport}\u0000${JSON.stringify(def.settings)}`;
    const held = this.#connectors.get(def.name);
    if (held?.key === key) return held.connector;
    if (held) await held.connector.close().catch(() => undefined);
    const connector = this.#create(def);
    this.#connectors.set(def.name, { key, connector });
    return connector;
  }

  async close(): Promise<void> {
    const all = [...this.#connectors.values()];
    this.#connectors.clear();
    await Promise.all(all.map((c) => c.connector.close().catch(() => undefined)));
  }
}

/** An error's class-like name (code or constructor), never its free text. */
function errorName(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.name : "error";
}
