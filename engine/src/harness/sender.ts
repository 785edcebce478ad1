/**
 * The harness sender (`messagefoundry send`, the scenario runner, the load engine): sends messages over
 * N MLLP connections, one in flight per connection, either as fast as the ACKs come back (closed loop)
 * or at a fixed rate (open loop). In open loop each message has a scheduled send time and its latency
 * counts from that time, so a slow receiver that makes messages wait is measured, not hidden
 * (no coordinated omission). Returns each message's outcome and a summary of ACK codes and latencies.
 */
import { decodeHl7Bytes, parse } from "../hl7/index.js";
import { type Endpoint, MllpConnection } from "./connection.js";
import { type LatencySummary, summarizeLatencies } from "./latency.js";
import type { OutgoingMessage } from "./messages.js";

/** An ACK's MSA-1 (AA, AE, AR, CA, CE, CR), or what happened instead. */
export type OutcomeCode = string | "timeout" | "closed" | "refused" | "unreadable";

export interface SendOutcome {
  /** Position in the run, from 0. */
  index: number;
  label: string;
  controlId: string;
  malformed: boolean;
  code: OutcomeCode;
  /** MSA-3 / ERR-8 text of a negative ACK (never logged by the harness: it can quote the message). */
  text?: string;
  /** Epoch ms: when it was due (open loop) or sent (closed loop), when it was written, when answered. */
  scheduledAt: number;
  sentAt: number;
  doneAt: number;
  /** doneAt − scheduledAt: what the sender experienced, queueing for a free connection included. */
  latencyMs: number;
  /** doneAt − sentAt: the receiver's own answer time. */
  serviceMs: number;
}

export interface SenderOptions extends Endpoint {
  /** Parallel connections (default 1). */
  connections?: number;
  /** Messages per second, open loop; absent: closed loop. */
  rate?: number;
  /** Per-ACK wait (default 10 s); also the connect timeout. */
  timeoutMs?: number;
  /** Called after each message (progress, live charts). */
  onOutcome?: (o: SendOutcome) => void;
  /** Keep every outcome in the result (default true). */
  keepOutcomes?: boolean;
  /** Stops sending new messages; those in flight finish. */
  signal?: AbortSignal;
}

export interface SenderSummary {
  sent: number;
  /** Answered AA or CA. */
  accepted: number;
  malformed: number;
  /** Count per outcome code. */
  codes: Record<string, number>;
  /** Latency from the scheduled time (open loop) or the send (closed loop), answered messages only. */
  latency: LatencySummary;
  /** The receiver's answer time alone. */
  service: LatencySummary;
  durationMs: number;
  /** Achieved messages per second. */
  throughput: number;
  connections: number;
  mode: "open" | "closed";
  /** The asked-for rate (open loop). */
  rate?: number;
}

export interface SenderResult {
  summary: SenderSummary;
  outcomes: SendOutcome[];
}

const now = (): number => performance.timeOrigin + performance.now();

/** A message waiting for a connection, with its due time. */
interface Due {
  index: number;
  message: OutgoingMessage;
  scheduledAt: number;
}

/** Reads MSA-1 and the reject text of a reply. */
function readAck(reply: Buffer): { code: string; text?: string } {
  try {
    const ack = parse(decodeHl7Bytes(reply));
    const code = ack.get("MSA-1")?.trim();
    if (!code) return { code: "unreadable" };
    const text = [ack.get("MSA-3"), ack.get("ERR-8")].filter((s): s is string => Boolean(s)).join(" — ");
    return text ? { code, text } : { code };
  } catch {
    return { code: "unreadable" };
  }
}

export async function runSender(
  source: Iterable<OutgoingMessage>,
  opts: SenderOptions,
): Promise<SenderResult> {
  const nConn = Math.max(1, Math.floor(opts.connections ?? 1));
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const rate = opts.rate;
  if (rate !== undefined && !(rate > 0 && Number.isFinite(rate)))
    throw new RangeError("rate must be a positive number");
  const keep = opts.keepOutcomes ?? true;
  const outcomes: SendOutcome[] = [];
  const latencies: number[] = [];
  const services: number[] = [];
  const codes: Record<string, number> = {};
  let sent = 0;
  let accepted = 0;
  let malformed = 0;
  const started = now();

  const iterator = source[Symbol.iterator]();
  let nextIndex = 0;
  let exhausted = false;
  const queue: Due[] = [];
  let wakeWorker: (() => void)[] = [];
  const wakeAll = (): void => {
    const w = wakeWorker;
    wakeWorker = [];
    for (const f of w) f();
  };
  const pull = (scheduledAt: number): Due | undefined => {
    if (exhausted || opts.signal?.aborted) {
      exhausted = true;
      return undefined;
    }
    const r = iterator.next();
    if (r.done) {
      exhausted = true;
      return undefined;
    }
    return { index: nextIndex++, message: r.value, scheduledAt };
  };

  // Open loop: a scheduler releases messages at their due times into the queue.
  const scheduler =
    rate === undefined
      ? Promise.resolve()
      : (async () => {
          const interval = 1000 / rate;
          for (;;) {
            const due = started + nextIndex * interval;
            // Never early: a message leaves at or after its due time.
            for (let wait = due - now(); wait > 0; wait = due - now())
              await new Promise((r) => setTimeout(r, Math.ceil(wait)));
            const item = pull(due);
            if (!item) break;
            queue.push(item);
            wakeAll();
          }
          wakeAll();
        })();

  const next = async (): Promise<Due | undefined> => {
    if (rate === undefined) return pull(now());
    for (;;) {
      const item = queue.shift();
      if (item) return item;
      if (exhausted) return undefined;
      await new Promise<void>((r) => wakeWorker.push(r));
    }
  };

  const record = (d: Due, code: OutcomeCode, sentAt: number, text?: string): void => {
    const doneAt = now();
    const o: SendOutcome = {
      index: d.index,
      label: d.message.label,
      controlId: d.message.controlId,
      malformed: d.message.malformed === true,
      code,
      ...(text ? { text } : {}),
      scheduledAt: d.scheduledAt,
      sentAt,
      doneAt,
      latencyMs: doneAt - d.scheduledAt,
      serviceMs: doneAt - sentAt,
    };
    sent++;
    codes[code] = (codes[code] ?? 0) + 1;
    if (o.malformed) malformed++;
    if (code === "AA" || code === "CA") accepted++;
    if (code !== "timeout" && code !== "closed" && code !== "refused") {
      latencies.push(o.latencyMs);
      services.push(o.serviceMs);
    }
    if (keep) outcomes.push(o);
    opts.onOutcome?.(o);
  };

  const worker = async (): Promise<void> => {
    let conn: MllpConnection | undefined;
    try {
      for (let d = await next(); d; d = await next()) {
        const sentAt = now();
        if (!conn || conn.closed) {
          conn = await MllpConnection.open(opts, timeoutMs).catch(() => undefined);
          if (!conn) {
            record(d, "refused", sentAt);
            continue;
          }
        }
        const x = await conn.exchange(d.message.bytes, timeoutMs);
        if ("error" in x) record(d, x.error, sentAt);
        else {
          const ack = readAck(x.reply);
          record(d, ack.code, sentAt, ack.text);
        }
      }
    } finally {
      conn?.close();
    }
  };

  await Promise.all([scheduler, ...Array.from({ length: nConn }, worker)]);
  const durationMs = now() - started;
  outcomes.sort((a, b) => a.index - b.index);
  return {
    summary: {
      sent,
      accepted,
      malformed,
      codes,
      latency: summarizeLatencies(latencies),
      service: summarizeLatencies(services),
      durationMs: Math.round(durationMs),
      throughput: durationMs > 0 ? Math.round((sent / durationMs) * 1000 * 10) / 10 : 0,
      connections: nConn,
      mode: rate === undefined ? "closed" : "open",
      ...(rate !== undefined ? { rate } : {}),
    },
    outcomes,
  };
}
