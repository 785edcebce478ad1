/**
 * An MLLP test destination with faults (`messagefoundry sink`, the scenario runner, the load engine,
 * the tee's tests): answers each message with AA, or AE / AR at given rates, after a delay drawn from a
 * distribution; drops the connection or never answers at given rates; and records what it received
 * (control id, timestamps, its answer) for reconciliation, optionally capturing each message to an
 * NDJSON file. Synthetic data only: the capture holds message bodies.
 *
 * Per connection the answers go out in arrival order (one chain per socket), as an MLLP receiver does.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import net from "node:net";
import tls from "node:tls";
import { Rng } from "../generate/index.js";
import {
  type AckCode,
  buildAck,
  buildNakFromBytes,
  decodeHl7Bytes,
  encodeMllp,
  MllpDecoder,
  parse,
  peekMsh,
} from "../hl7/index.js";
import { loadServerTls, type TlsServerSettings } from "../transports/tls.js";
import { type Distribution, NO_DELAY, sample } from "./distribution.js";

/** What the sink does with one message. */
export type SinkAction = "AA" | "AE" | "AR" | "drop" | "silent";
export const SINK_ACTIONS: readonly SinkAction[] = ["AA", "AE", "AR", "drop", "silent"];

/** A fixed answer for one control id: always, or for its first `times` arrivals (then the rates decide). */
export interface SinkRule {
  action: SinkAction;
  times?: number;
}

export interface SinkFaults {
  /** Share of messages answered AE (0..1). */
  aeRate?: number;
  /** Share answered AR. */
  arRate?: number;
  /** Share whose connection is closed instead of answered. */
  dropRate?: number;
  /** Share never answered (the sender times out); the connection stays open. */
  silentRate?: number;
  /** Delay before each answer (or drop); default none. */
  delay?: Distribution;
  /** Fixed answers by MSH-10, applied before the rates. */
  rules?: Readonly<Record<string, SinkRule>>;
}

export interface SinkOptions extends SinkFaults {
  /** 0 (default): a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  tls?: TlsServerSettings;
  /** Seed of the fault and delay draws (default 1): the same seed and arrival order give the same answers. */
  seed?: number;
  /** Append one JSON line per message (its record plus the message text) to this file. */
  capture?: string;
  /** Keep every record in memory (default true); off, only the counts are kept (long load runs). */
  keepRecords?: boolean;
  /** Called for every record once the message's fate is decided (answered, dropped or left silent). */
  onRecord?: (r: SinkRecord) => void;
}

export interface SinkRecord {
  /** Arrival order, from 1. */
  seq: number;
  /** Which connection (from 1, in accept order). */
  connection: number;
  /** MSH-10, "" when the message had none. */
  controlId: string;
  /** MSH-9 as sent (e.g. ADT^A01^ADT_A01), "" when absent. */
  messageType: string;
  bytes: number;
  /** Epoch ms (fractional) when the frame was complete. */
  receivedAt: number;
  /** Epoch ms when the answer was written or the connection dropped; absent for silent. */
  answeredAt?: number;
  action: SinkAction;
}

export interface SinkSummary {
  received: number;
  /** Counts per action (AA, AE, AR, drop, silent). */
  actions: Record<SinkAction, number>;
  /** Distinct control ids received, and arrivals of an id already seen (redeliveries). */
  distinct: number;
  duplicates: number;
  connections: number;
  firstAt?: string;
  lastAt?: string;
}

export interface Sink {
  readonly host: string;
  readonly port: number;
  /** Every message so far in arrival order, its answer filled in once given (empty when keepRecords is false). */
  readonly records: readonly SinkRecord[];
  /** Control ids answered AA, in arrival order (what a destination accepted). */
  accepted(): string[];
  summary(): SinkSummary;
  /** Changes the faults from now on (e.g. a destination that recovers). */
  setFaults(f: SinkFaults): void;
  /** Stops listening, closes every connection, flushes the capture; returns the final summary. */
  close(): Promise<SinkSummary>;
}

function emptyActions(): Record<SinkAction, number> {
  return { AA: 0, AE: 0, AR: 0, drop: 0, silent: 0 };
}

/** Picks the action for one message: a rule for its control id, else the rates (one draw). */
export function chooseAction(
  faults: SinkFaults,
  controlId: string,
  rng: Rng,
  ruleUses: Map<string, number>,
): SinkAction {
  const rule = faults.rules?.[controlId];
  if (rule) {
    const used = ruleUses.get(controlId) ?? 0;
    if (rule.times === undefined || used < rule.times) {
      ruleUses.set(controlId, used + 1);
      return rule.action;
    }
  }
  let r = rng.next();
  for (const [rate, action] of [
    [faults.silentRate, "silent"],
    [faults.dropRate, "drop"],
    [faults.arRate, "AR"],
    [faults.aeRate, "AE"],
  ] as const) {
    r -= rate ?? 0;
    if (r < 0) return action;
  }
  return "AA";
}

/** The rates must be shares (0..1) adding up to at most 1. */
export function checkFaults(f: SinkFaults): void {
  const rates = [f.aeRate, f.arRate, f.dropRate, f.silentRate].map((x) => x ?? 0);
  if (rates.some((x) => !Number.isFinite(x) || x < 0 || x > 1) || rates.reduce((a, b) => a + b, 0) > 1 + 1e-9)
    throw new RangeError("sink fault rates must each be 0..1 and add up to at most 1");
}

function ackFor(frame: Buffer, code: AckCode): Buffer {
  const text = decodeHl7Bytes(frame);
  let ack: string;
  try {
    ack = buildAck(parse(text), { code, ...(code === "AA" ? {} : { text: `sink fault ${code}` }) }).encode();
  } catch {
    ack = buildNakFromBytes(text, { code: code === "AA" ? "AR" : code, text: "not an HL7 message" });
  }
  return encodeMllp(ack);
}

export async function startSink(opts: SinkOptions = {}): Promise<Sink> {
  let faults: SinkFaults = { ...opts };
  checkFaults(faults);
  const rng = new Rng(opts.seed ?? 1);
  const ruleUses = new Map<string, number>();
  const keep = opts.keepRecords ?? true;
  const records: SinkRecord[] = [];
  const acceptedIds: string[] = [];
  const seen = new Set<string>();
  const actions = emptyActions();
  let received = 0;
  let duplicates = 0;
  let connections = 0;
  let firstAt: number | undefined;
  let lastAt: number | undefined;
  const sockets = new Set<net.Socket>();
  const capture: WriteStream | undefined = opts.capture
    ? createWriteStream(opts.capture, { flags: "a" })
    : undefined;

  const finish = (rec: SinkRecord, frame: Buffer): void => {
    actions[rec.action]++;
    if (rec.action === "AA") acceptedIds.push(rec.controlId);
    capture?.write(`${JSON.stringify({ ...rec, message: decodeHl7Bytes(frame) })}\n`);
    opts.onRecord?.(rec);
  };

  const handle = (socket: net.Socket): void => {
    const connection = ++connections;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    const decoder = new MllpDecoder();
    let chain: Promise<void> = Promise.resolve();
    socket.on("data", (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch {
        return; // an oversized frame: skipped, nothing to answer
      }
      for (const frame of frames) {
        const receivedAt = performance.timeOrigin + performance.now();
        const controlId = peekMsh(frame, 10)?.trim() ?? "";
        let action = chooseAction(faults, controlId, rng, ruleUses);
        // Not HL7 (no MSH): refused, whatever the draw said, as a parsing receiver would.
        if ((action === "AA" || action === "AE") && peekMsh(frame, 2) === undefined) action = "AR";
        const rec: SinkRecord = {
          seq: ++received,
          connection,
          controlId,
          messageType: peekMsh(frame, 9) ?? "",
          bytes: frame.length,
          receivedAt,
          action,
        };
        if (keep) records.push(rec);
        firstAt ??= receivedAt;
        lastAt = receivedAt;
        if (controlId !== "") {
          if (seen.has(controlId)) duplicates++;
          else seen.add(controlId);
        }
        const delay = rec.action === "silent" ? 0 : sample(faults.delay ?? NO_DELAY, rng);
        chain = chain.then(async () => {
          if (delay > 0) await new Promise((r) => setTimeout(r, delay));
          if (rec.action === "drop") {
            socket.destroy();
            rec.answeredAt = performance.timeOrigin + performance.now();
          } else if (rec.action !== "silent" && !socket.destroyed) {
            socket.write(ackFor(frame, rec.action));
            rec.answeredAt = performance.timeOrigin + performance.now();
          }
          finish(rec, frame);
        });
      }
    });
  };

  const host = opts.host ?? "127.0.0.1";
  const server = opts.tls
    ? tls.createServer(await loadServerTls(opts.tls, "sink"), handle)
    : net.createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  const summary = (): SinkSummary => ({
    received,
    actions: { ...actions },
    distinct: seen.size,
    duplicates,
    connections,
    ...(firstAt !== undefined ? { firstAt: new Date(firstAt).toISOString() } : {}),
    ...(lastAt !== undefined ? { lastAt: new Date(lastAt).toISOString() } : {}),
  });

  return {
    host,
    port,
    records,
    accepted: () => [...acceptedIds],
    summary,
    setFaults(f) {
      checkFaults(f);
      faults = { ...f };
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      if (capture) await new Promise<void>((r) => capture.end(() => r()));
      return summary();
    },
  };
}
