/**
 * Stream framings for socket connectors: MLLP (via the HL7 core's decoder), newline, 4-byte
 * big-endian length prefix, and custom start/end bytes. Bytes outside frames are ignored.
 */
import { encodeMllp, MllpDecoder } from "../hl7/index.js";
import { FrameError } from "./errors.js";
import type { SettingsReader } from "./settings.js";

/** A frame dropped for breaking the size limit, reported so the listener can NAK and record it. */
export interface FrameRejection {
  /** Stable code, e.g. `MLLP_FRAME_TOO_LARGE`, `FRAME_TOO_LARGE`. */
  code: string;
  /** Short text without payload content. */
  message: string;
  /** Bytes of the frame seen when it was dropped (more may follow; they are skipped). */
  bytesSeen: number;
  /** The frame's first bytes (at most the size limit): enough for MSH when building a NAK. */
  head: Buffer;
}

export type DecodedFrame = { payload: Buffer } | { rejected: FrameRejection };

export interface FrameDecoder {
  /** Feeds a chunk; returns the payloads of frames completed by it. Throws when a frame breaks the limit. */
  push(chunk: Buffer): Buffer[];
  /** Like `push` but never throws for size: payloads and rejections in wire order. */
  decode(chunk: Buffer): DecodedFrame[];
  /** The peer closed: returns frames still completable; an unterminated partial frame is dropped. */
  end(): Buffer[];
  /**
   * True when the decoder finds the next frame reliably after a rejection (MLLP: the next start
   * block), so the connection can carry on; false when the byte stream is out of step (newline,
   * length prefix) and the connection must close after the reply.
   */
  readonly resyncs: boolean;
  /** True while bytes of an unfinished frame are held (the listener's frame deadline runs). */
  readonly partial: boolean;
}

export interface Framing {
  readonly name: string;
  decoder(maxFrameBytes: number): FrameDecoder;
  encode(payload: Buffer): Buffer;
}

/** As written in settings: a preset name or custom delimiter bytes (values 0–255). */
export type FramingSetting = "mllp" | "newline" | "length-prefixed" | { start: number[]; end: number[] };

export const mllpFraming: Framing = {
  name: "mllp",
  decoder: (maxFrameBytes) => new MllpFrameDecoder(maxFrameBytes),
  encode: (payload) => encodeMllp(payload),
};

/** LF-terminated frames; a CR just before the LF is dropped; empty lines are skipped. */
export const newlineFraming: Framing = {
  name: "newline",
  decoder: (max) => new DelimitedDecoder(Buffer.alloc(0), Buffer.from("\n"), max, true),
  encode: (payload) => Buffer.concat([payload, Buffer.from("\n")]),
};

export const lengthPrefixedFraming: Framing = {
  name: "length-prefixed",
  decoder: (max) => new LengthPrefixedDecoder(max),
  encode: (payload) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(payload.length, 0);
    return Buffer.concat([head, payload]);
  },
};

export function customFraming(start: Buffer, end: Buffer): Framing {
  return {
    name: "custom",
    decoder: (max) => new DelimitedDecoder(start, end, max, false),
    encode: (payload) => Buffer.concat([start, payload, end]),
  };
}

export function framingFrom(setting: FramingSetting): Framing {
  if (setting === "mllp") return mllpFraming;
  if (setting === "newline") return newlineFraming;
  if (setting === "length-prefixed") return lengthPrefixedFraming;
  return customFraming(Buffer.from(setting.start), Buffer.from(setting.end));
}

/**
 * Reads `framing`; a plain `delimiter` string (as in connections.toml's tcp schema) is accepted too:
 * `"\n"` is the newline preset, anything else a custom end sequence with no start bytes.
 */
export function readFraming(r: SettingsReader, def: FramingSetting = "mllp"): FramingSetting {
  const v = r.raw.framing;
  if ((v === undefined || v === null) && r.has("delimiter")) {
    const d = r.str("delimiter");
    return d === "\n" ? "newline" : { start: [], end: [...Buffer.from(d, "utf8")] };
  }
  if (v === undefined || v === null) return def;
  if (typeof v === "string")
    return r.oneOf("framing", ["mllp", "newline", "length-prefixed"] as const, "mllp");
  const t = r.table("framing");
  if (!t) return def;
  const bytes = (key: string, allowEmpty: boolean): number[] => {
    const arr: unknown = t.raw[key] ?? [];
    if (!Array.isArray(arr) || arr.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) {
      return t.fail(key, "must be an array of byte values 0-255");
    }
    if (!allowEmpty && arr.length === 0) t.fail(key, "must not be empty");
    return arr as number[];
  };
  return { start: bytes("start", true), end: bytes("end", false) };
}

/** The HL7 core's MllpDecoder behind the FrameDecoder face. */
class MllpFrameDecoder implements FrameDecoder {
  readonly resyncs = true;
  private readonly d: MllpDecoder;
  constructor(maxFrameBytes: number) {
    this.d = new MllpDecoder({ maxFrameBytes });
  }
  get partial(): boolean {
    return this.d.hasPartialFrame;
  }
  push(chunk: Buffer): Buffer[] {
    return this.d.push(chunk);
  }
  decode(chunk: Buffer): DecodedFrame[] {
    return this.d.decode(chunk).map((item) =>
      Buffer.isBuffer(item)
        ? { payload: item }
        : {
            rejected: {
              code: item.error.code,
              message: item.error.message,
              bytesSeen: item.error.frameBytes,
              head: item.head,
            },
          },
    );
  }
  end(): Buffer[] {
    return this.d.end();
  }
}

/**
 * Decoders that stop at an oversized frame: `scan` fills `out` and returns a rejection (after which
 * its buffer is cleared and the stream is out of step) or nothing.
 */
abstract class StoppingDecoder implements FrameDecoder {
  readonly resyncs = false;
  abstract readonly partial: boolean;
  protected abstract scan(chunk: Buffer, out: Buffer[]): FrameRejection | undefined;

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    const rejected = this.scan(chunk, out);
    if (rejected) throw new FrameError(rejected.message);
    return out;
  }

  decode(chunk: Buffer): DecodedFrame[] {
    const out: Buffer[] = [];
    const rejected = this.scan(chunk, out);
    const items: DecodedFrame[] = out.map((payload) => ({ payload }));
    if (rejected) items.push({ rejected });
    return items;
  }

  /** A frame without its end sequence is incomplete: nothing to return. */
  end(): Buffer[] {
    return [];
  }
}

/** The first `max` bytes of a dropped frame (capped), for the NAK. */
function headOf(data: Buffer, max: number): Buffer {
  return Buffer.from(data.subarray(0, Math.min(max, 64 * 1024)));
}

/** A byte accumulator that grows by doubling, so a large frame in small chunks costs O(n), not O(n²). */
class ByteBuffer {
  private data = Buffer.alloc(0);
  private start = 0;
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }

  append(chunk: Buffer): void {
    if (this.end + chunk.length > this.data.length) {
      const live = this.length;
      const need = live + chunk.length;
      // Compact in place when the live bytes fit; otherwise double.
      const next =
        need <= this.data.length ? this.data : Buffer.allocUnsafe(Math.max(need, this.data.length * 2, 4096));
      this.data.copy(next, 0, this.start, this.end); // overlapping copy is safe (memmove)
      this.data = next;
      this.start = 0;
      this.end = live;
    }
    chunk.copy(this.data, this.end);
    this.end += chunk.length;
  }

  /** A view of the live bytes; valid until the next append. */
  view(): Buffer {
    return this.data.subarray(this.start, this.end);
  }

  /** Drops `n` bytes from the front. */
  consume(n: number): void {
    this.start += n;
    if (this.start >= this.end) this.clear();
  }

  clear(): void {
    this.start = 0;
    this.end = 0;
    if (this.data.length > 1 << 20) this.data = Buffer.alloc(0); // don't pin a huge frame's memory
  }
}

/**
 * Frames bounded by an optional start sequence and a required end sequence. Without a start
 * sequence, a frame begins right after the previous end (newline style).
 */
class DelimitedDecoder extends StoppingDecoder {
  private readonly buf = new ByteBuffer();
  private inFrame: boolean;
  /** Inside the current frame, where the search for the end sequence resumes. */
  private scanned = 0;

  constructor(
    private readonly startSeq: Buffer,
    private readonly endSeq: Buffer,
    private readonly max: number,
    private readonly dropCrAndEmpty: boolean,
  ) {
    super();
    this.inFrame = startSeq.length === 0;
  }

  /** With a start sequence: inside a frame; without (newline): any byte of the next line held. */
  get partial(): boolean {
    return this.startSeq.length > 0 ? this.inFrame : this.buf.length > 0;
  }

  protected scan(chunk: Buffer, out: Buffer[]): FrameRejection | undefined {
    this.buf.append(chunk);
    for (;;) {
      const data = this.buf.view();
      if (!this.inFrame) {
        const s = data.indexOf(this.startSeq);
        if (s < 0) {
          // Junk outside frames: keep only a possible partial start sequence.
          this.buf.consume(Math.max(0, data.length - (this.startSeq.length - 1)));
          break;
        }
        this.buf.consume(s + this.startSeq.length);
        this.inFrame = true;
        this.scanned = 0;
        continue;
      }
      const e = data.indexOf(this.endSeq, this.scanned);
      if (e < 0) {
        if (data.length > this.max)
          return this.tooLarge(`frame exceeds ${this.max} bytes without an end sequence`, data.length);
        this.scanned = Math.max(0, data.length - (this.endSeq.length - 1));
        break;
      }
      if (e > this.max) return this.tooLarge(`frame of ${e} bytes exceeds ${this.max} bytes`, e);
      let frame = data.subarray(0, e);
      if (this.dropCrAndEmpty && frame[frame.length - 1] === 0x0d) frame = frame.subarray(0, -1);
      if (!(this.dropCrAndEmpty && frame.length === 0)) out.push(Buffer.from(frame));
      this.buf.consume(e + this.endSeq.length);
      this.inFrame = this.startSeq.length === 0;
      this.scanned = 0;
    }
    return undefined;
  }

  private tooLarge(message: string, bytesSeen: number): FrameRejection {
    const head = headOf(this.buf.view(), this.max);
    this.buf.clear();
    this.inFrame = this.startSeq.length === 0;
    this.scanned = 0;
    return { code: "FRAME_TOO_LARGE", message, bytesSeen, head };
  }
}

class LengthPrefixedDecoder extends StoppingDecoder {
  private readonly buf = new ByteBuffer();
  constructor(private readonly max: number) {
    super();
  }

  get partial(): boolean {
    return this.buf.length > 0;
  }

  protected scan(chunk: Buffer, out: Buffer[]): FrameRejection | undefined {
    this.buf.append(chunk);
    while (this.buf.length >= 4) {
      const data = this.buf.view();
      const len = data.readUInt32BE(0);
      if (len > this.max) {
        const head = headOf(data.subarray(4), this.max);
        this.buf.clear();
        const message = `length prefix ${len} exceeds ${this.max} bytes`;
        return { code: "FRAME_TOO_LARGE", message, bytesSeen: data.length - 4, head };
      }
      if (data.length - 4 < len) break;
      out.push(Buffer.from(data.subarray(4, 4 + len)));
      this.buf.consume(4 + len);
    }
    return undefined;
  }
}
