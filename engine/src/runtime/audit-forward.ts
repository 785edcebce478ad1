/**
 * Audit forwarding for a SIEM: every audit entry, once committed, copied as one JSON line to a file
 * and/or to syslog (RFC 5424; UDP one datagram per entry, TCP with RFC 6587 octet counting). The
 * forwarder follows the audit log by sequence number (`[audit] forward` in engine.toml), so only
 * committed entries leave, entries made by the CLI while the engine ran are included, and a target
 * that fails is retried from the same entry (at least once; `seq` lets a SIEM drop a repeat). Audit
 * details never hold message bodies (auth README), and nothing else is added here.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { appendFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { hostname } from "node:os";
import type { AuditEntry } from "../auth/index.js";

/** The JSON line of one entry (details parsed, so a SIEM indexes their fields). */
export function auditJson(e: AuditEntry): string {
  let details: unknown;
  try {
    details = JSON.parse(e.details);
  } catch {
    details = e.details;
  }
  return JSON.stringify({
    seq: e.seq,
    time: e.time,
    actor: e.actor,
    action: e.action,
    target: e.target,
    details,
    hash: e.hash,
  });
}

/** Facility authpriv (10), severity notice (5): security events a SIEM keeps. */
const PRI = 10 * 8 + 5;

/** RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID - MSG`, MSGID the audit action (printable, ≤ 32). */
export function syslogLine(e: AuditEntry, host = hostname()): string {
  const field = (s: string, max: number) => s.replace(/[^\x21-\x7e]/g, "_").slice(0, max) || "-";
  return `<${PRI}>1 ${e.time} ${field(host, 255)} messagefoundry ${process.pid} ${field(e.action, 32)} - ${auditJson(e)}`;
}

/** Where entries go. `resumeAfter`: the last seq this target already holds, when it can tell. */
export interface AuditSink {
  readonly target: string;
  resumeAfter(): number | undefined;
  write(entries: readonly AuditEntry[]): Promise<void>;
  close(): Promise<void>;
}

class FileSink implements AuditSink {
  readonly target: string;
  readonly #path: string;
  #last: number | undefined;

  constructor(target: string, path: string) {
    this.target = target;
    this.#path = path;
    this.#last = lastSeqInFile(path);
  }

  resumeAfter(): number | undefined {
    return this.#last ?? 0;
  }

  async write(entries: readonly AuditEntry[]): Promise<void> {
    const fresh = entries.filter((e) => this.#last === undefined || e.seq > this.#last);
    if (fresh.length === 0) return;
    await appendFile(this.#path, fresh.map((e) => `${auditJson(e)}\n`).join(""), { mode: 0o600 });
    this.#last = fresh[fresh.length - 1]?.seq;
  }

  async close(): Promise<void> {}
}

/** The `seq` of the file's last line (its last 64 KiB are read), or undefined for a new or empty file. */
function lastSeqInFile(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const size = statSync(path).size;
  const length = Math.min(size, 64 * 1024);
  const buf = Buffer.alloc(length);
  const fd = openSync(path, "r");
  try {
    readSync(fd, buf, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  const lines = buf.toString("utf8").trimEnd().split("\n");
  const last = lines[lines.length - 1];
  try {
    const seq = (JSON.parse(last ?? "") as { seq?: unknown }).seq;
    return typeof seq === "number" ? seq : undefined;
  } catch {
    return undefined;
  }
}

/** Under the largest UDP payload (65,507 bytes over IPv4), with room for the header. */
const UDP_MAX_BYTES = 60_000;

class UdpSink implements AuditSink {
  readonly target: string;
  readonly #host: string;
  readonly #port: number;
  readonly #socket: UdpSocket;

  constructor(target: string, host: string, port: number) {
    this.target = target;
    this.#host = host;
    this.#port = port;
    this.#socket = createSocket(host.includes(":") ? "udp6" : "udp4");
    this.#socket.unref();
  }

  resumeAfter(): undefined {
    return undefined;
  }

  async write(entries: readonly AuditEntry[]): Promise<void> {
    for (const e of entries) {
      let line = syslogLine(e);
      // A datagram has a size limit; an entry past it would block the target for ever: send it without details.
      if (Buffer.byteLength(line) > UDP_MAX_BYTES)
        line = syslogLine({
          ...e,
          details: JSON.stringify({ truncated: true, bytes: Buffer.byteLength(e.details) }),
        });
      await new Promise<void>((resolve, reject) =>
        this.#socket.send(line, this.#port, this.#host, (err) => (err ? reject(err) : resolve())),
      );
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}

/** TCP with RFC 6587 octet counting; connects on demand and again after the receiver went away. */
class TcpSink implements AuditSink {
  readonly target: string;
  readonly #host: string;
  readonly #port: number;
  readonly #timeoutMs: number;
  #socket: Socket | undefined;

  constructor(target: string, host: string, port: number, timeoutMs: number) {
    this.target = target;
    this.#host = host;
    this.#port = port;
    this.#timeoutMs = timeoutMs;
  }

  resumeAfter(): undefined {
    return undefined;
  }

  async write(entries: readonly AuditEntry[]): Promise<void> {
    const socket = await this.#connected();
    const frames = entries.map((e) => {
      const msg = Buffer.from(syslogLine(e), "utf8");
      return Buffer.concat([Buffer.from(`${msg.length} `), msg]);
    });
    await new Promise<void>((resolve, reject) => {
      socket.write(Buffer.concat(frames), (err) => (err ? reject(err) : resolve()));
    }).catch((err: Error) => {
      this.#drop();
      throw err;
    });
  }

  async #connected(): Promise<Socket> {
    if (this.#socket && !this.#socket.destroyed) return this.#socket;
    const socket = connect({ host: this.#host, port: this.#port });
    socket.setNoDelay(true);
    socket.unref();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => socket.destroy(new Error(`connect timed out after ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    // A receiver that closes or fails: the next write connects again.
    socket.on("error", () => this.#drop());
    socket.on("close", () => this.#drop());
    this.#socket = socket;
    return socket;
  }

  #drop(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  async close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket && !socket.destroyed) await new Promise<void>((resolve) => socket.end(resolve));
  }
}

/** The sink for one `[audit] forward` target (checked by the settings loader: auditTargetProblem). */
export function auditSink(target: string, timeoutMs = 5000): AuditSink {
  if (target.startsWith("file:")) return new FileSink(target, target.slice(5));
  const m = /^syslog\+(udp|tcp):\/\/(\[[^\]]+\]|[^/:]+):(\d+)\/?$/.exec(target);
  if (!m) throw new Error(`unknown audit forward target "${target}"`);
  const host = (m[2] ?? "").replace(/^\[|\]$/g, "");
  const port = Number(m[3]);
  return m[1] === "udp" ? new UdpSink(target, host, port) : new TcpSink(target, host, port, timeoutMs);
}

/** What the forwarder reads: the audit log after a sequence number, and where it ends now. */
export interface AuditSource {
  listAudit(query: { afterSeq: number; limit: number }): Promise<AuditEntry[]>;
  auditHeadSeq(): Promise<number>;
}

export interface AuditForwarderOptions {
  /** How often the log is read for new entries (default 1000 ms). */
  intervalMs?: number;
  /** A target's failure (logged by the caller; names the target, never an entry's content). */
  onError?: (target: string, error: Error) => void;
}

const BATCH = 500;

/**
 * Follows the audit log and copies new entries to every sink. Starts after what the sinks already
 * hold (a file's last line), else at the log's head: an engine that starts forwards what is new.
 */
export class AuditForwarder {
  readonly #source: AuditSource;
  readonly #sinks: readonly AuditSink[];
  readonly #intervalMs: number;
  readonly #onError: (target: string, error: Error) => void;
  /** Per sink: the last seq it has taken. */
  readonly #cursor = new Map<AuditSink, number>();
  #timer: NodeJS.Timeout | undefined;
  #tail: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(source: AuditSource, sinks: readonly AuditSink[], opts: AuditForwarderOptions = {}) {
    this.#source = source;
    this.#sinks = sinks;
    this.#intervalMs = opts.intervalMs ?? 1000;
    this.#onError = opts.onError ?? (() => undefined);
  }

  async start(): Promise<void> {
    const head = await this.#source.auditHeadSeq();
    for (const sink of this.#sinks) this.#cursor.set(sink, Math.min(sink.resumeAfter() ?? head, head));
    this.#schedule();
  }

  /** Forwards everything committed so far (the timer calls it; tests and stop call it directly). */
  flush(): Promise<void> {
    // Chained: a call made while a pass runs gets a full pass of its own after it (#forward never throws).
    this.#tail = this.#tail.then(() => this.#forward());
    return this.#tail;
  }

  async #forward(): Promise<void> {
    for (const sink of this.#sinks) {
      try {
        for (;;) {
          const after = this.#cursor.get(sink) ?? 0;
          const entries = await this.#source.listAudit({ afterSeq: after, limit: BATCH });
          if (entries.length === 0) break;
          await sink.write(entries);
          this.#cursor.set(sink, entries[entries.length - 1]?.seq ?? after);
          if (entries.length < BATCH) break;
        }
      } catch (error) {
        this.#onError(sink.target, error as Error);
      }
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.flush().finally(() => this.#schedule());
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** Forwards what is left, then closes the sinks. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.flush();
    for (const sink of this.#sinks) await sink.close();
  }
}
