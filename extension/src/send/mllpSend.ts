/**
 * "Send to MLLP…": the messages of an .hl7 file or selection, framed and sent one at a time over one
 * connection to host:port, each ACK read back (MSA-1 code, MSA-3 text, ERR when given). Plus the pure
 * parts of the command: the targets offered (the local engine's MLLP inbounds first, then the recent
 * ones), host:port input and the recent list. Plain Node: a real socket, no vscode.
 */
import { connect, type Socket } from "node:net";
import { isEnvRef, type RegistryGraph, resolveEnvRef } from "messagefoundry/graph";
import { encodeMllp, MllpDecoder, parse, parseFileTree } from "messagefoundry/hl7";

export interface SendTarget {
  host: string;
  port: number;
  /** The inbound's name when the target is a local engine's inbound. */
  inbound?: string;
}

export interface AckSummary {
  /** MSH-10 of the message sent. */
  controlId: string;
  /** MSA-1 (AA, AE, AR, CA, CE, CR), or `none` when no ACK came. */
  code: string;
  /** MSA-3 text, then ERR-8 (user message) when present. */
  text: string;
}

/** Messages of the text (one, a batch or several one after another), with `\r` segment endings. */
export function messagesIn(text: string): string[] {
  const file = parseFileTree(text);
  return file.messages.map((m) => m.message.encode());
}

/** `host:port` typed by the user (an IPv6 host in brackets), or the reason it is not one. */
export function parseHostPort(input: string): SendTarget | { error: string } {
  const m = /^\s*(\[[^\]]+\]|[^\s:]+):(\d{1,5})\s*$/.exec(input);
  if (!m) return { error: "Enter host:port, e.g. 127.0.0.1:2575." };
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return { error: "The port must be 1–65535." };
  return { host: (m[1] ?? "").replace(/^\[(.*)\]$/, "$1"), port };
}

export function targetKey(t: SendTarget): string {
  return `${t.host.includes(":") ? `[${t.host}]` : t.host}:${t.port}`;
}

/** The recent targets with `used` first, no duplicates, at most `max`. */
export function rememberTarget(recent: readonly SendTarget[], used: SendTarget, max = 5): SendTarget[] {
  const key = targetKey(used);
  return [used, ...recent.filter((t) => targetKey(t) !== key)].slice(0, max);
}

/**
 * A local engine's MLLP inbounds as targets: `port` from the graph's settings, an env() reference
 * resolved with the environment's values; a wildcard or missing bind host is reached on loopback.
 */
export function mllpInbounds(
  graph: RegistryGraph,
  envValues: Readonly<Record<string, unknown>>,
): SendTarget[] {
  const out: SendTarget[] = [];
  for (const n of graph.nodes) {
    if (n.kind !== "inbound" || n.transport !== "mllp") continue;
    const settings = (n.settings ?? {}) as Record<string, unknown>;
    const value = (v: unknown): unknown => {
      if (!isEnvRef(v)) return v;
      const r = resolveEnvRef(v, envValues);
      return r.ok ? r.value : undefined;
    };
    const port = Number(value(settings.port));
    if (!Number.isInteger(port) || port < 1 || port > 65535) continue;
    const bind = value(settings.host);
    const host =
      typeof bind === "string" && bind !== "" && bind !== "0.0.0.0" && bind !== "::" ? bind : "127.0.0.1";
    out.push({ host, port, inbound: n.name });
  }
  return out;
}

/** The ACK's code and text (MSA-1, MSA-3 and ERR-8 when given). */
export function summarizeAck(ack: string, controlId: string): AckSummary {
  const m = parse(ack);
  const code = m.get("MSA-1") ?? "none";
  const text = [m.get("MSA-3"), m.get("ERR-8")].filter((s): s is string => Boolean(s)).join(" — ");
  return { controlId, code, text };
}

/** When message `index` (from 0) is due in a run at `rate` msg/s that started at `startedAt` (ms). */
export function dueAt(startedAt: number, index: number, rate: number | undefined): number {
  return rate === undefined ? startedAt : startedAt + (index * 1000) / rate;
}

export interface SendOptions {
  timeoutMs?: number;
  /** Messages per second; absent: each as soon as the previous one's ACK came back. */
  rate?: number;
  /** After each ACK: its summary and how many are done. */
  onAck?: (ack: AckSummary, done: number) => void;
  /** Stops before the next message (the one in flight still gets its ACK). */
  signal?: AbortSignal;
}

/**
 * Sends each message and waits for its ACK before the next (what an MLLP sender does), at `rate`
 * messages per second when given. Returns the ACKs of the messages sent (fewer when stopped).
 */
export async function sendMessages(
  target: SendTarget,
  messages: readonly string[],
  opts: SendOptions = {},
): Promise<AckSummary[]> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const socket = await open(target, timeoutMs);
  const decoder = new MllpDecoder();
  const frames: Buffer[] = [];
  let waiting: (() => void) | undefined;
  let failed: Error | undefined;
  socket.on("data", (chunk: Buffer) => {
    frames.push(...decoder.push(chunk));
    waiting?.();
  });
  const fail = (error: Error) => {
    failed = error;
    waiting?.();
  };
  socket.on("error", fail);
  socket.on("close", () => fail(new Error("the receiver closed the connection")));
  const results: AckSummary[] = [];
  const startedAt = Date.now();
  try {
    for (const [index, text] of messages.entries()) {
      const wait = dueAt(startedAt, index, opts.rate) - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (opts.signal?.aborted) break;
      const controlId = parse(text).get("MSH-10") ?? "";
      socket.write(encodeMllp(Buffer.from(text, "utf8")));
      const frame = await new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ACK within ${timeoutMs / 1000} s`)), timeoutMs);
        const check = () => {
          const next = frames.shift();
          if (next) {
            clearTimeout(timer);
            waiting = undefined;
            resolve(next);
          } else if (failed) {
            clearTimeout(timer);
            waiting = undefined;
            reject(failed);
          }
        };
        waiting = check;
        check();
      });
      const ack = summarizeAck(frame.toString("utf8"), controlId);
      results.push(ack);
      opts.onAck?.(ack, results.length);
    }
  } finally {
    socket.removeAllListeners("close");
    socket.end();
    socket.destroy();
  }
  return results;
}

function open(target: SendTarget, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`could not connect to ${targetKey(target)} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`could not connect to ${targetKey(target)}: ${error.message}`));
    });
  });
}

/** One line per ACK for a notification: `AA` / `AE — Unknown patient (MSG0001)`. */
export function ackLine(a: AckSummary): string {
  return `${a.code}${a.text ? ` — ${a.text}` : ""}${a.controlId ? ` (${a.controlId})` : ""}`;
}
