/**
 * MLLP framing: <VT> payload <FS><CR>. The decoder is a streaming state machine over bytes: several
 * frames in one chunk, one frame over many chunks, bytes outside frames skipped (and counted), and a
 * frame-size limit that fails loudly. Text is decoded only after framing (see decodeHl7Bytes).
 */
import { MllpFrameError } from "./errors.js";

export const MLLP_START = 0x0b;
export const MLLP_END = 0x1c;
export const MLLP_CR = 0x0d;

export interface MllpDecoderOptions {
  /** Largest accepted payload in bytes (default 16 MiB). */
  maxFrameBytes?: number;
}

export class MllpDecoder {
  readonly maxFrameBytes: number;
  /** Bytes seen outside any frame (noise, keep-alives, a dropped oversized frame). */
  discardedBytes = 0;
  private parts: Buffer[] = [];
  private size = 0;
  private inFrame = false;
  /** An FS was the last byte of the previous chunk; the CR may come in the next one. */
  private pendingEnd = false;

  constructor(opts: MllpDecoderOptions = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? 16 * 1024 * 1024;
  }

  /** True while a frame has started but not ended (e.g. to detect a peer closing mid-message). */
  get hasPartialFrame(): boolean {
    return this.inFrame;
  }

  /**
   * Feeds bytes; returns the payloads of every frame completed by them. Throws MllpFrameError when a
   * frame exceeds maxFrameBytes, after reading the whole chunk: the oversized frame is dropped, the
   * decoder skips to the next start block and stays usable, and frames completed by the same chunk
   * are on the error's `frames`.
   */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let tooLarge: MllpFrameError | undefined;
    let pos = 0;
    const n = chunk.length;
    while (pos < n) {
      if (this.pendingEnd) {
        this.pendingEnd = false;
        if (chunk[pos] === MLLP_CR) pos++;
        this.finish(out);
        continue;
      }
      if (!this.inFrame) {
        const s = chunk.indexOf(MLLP_START, pos);
        if (s < 0) {
          this.discardedBytes += n - pos;
          break;
        }
        this.discardedBytes += s - pos;
        this.inFrame = true;
        pos = s + 1;
        continue;
      }
      const e = chunk.indexOf(MLLP_END, pos);
      const stop = e < 0 ? n : e;
      // A new start block inside a frame means the sender gave up on the old one: restart.
      const restart = chunk.indexOf(MLLP_START, pos);
      if (restart >= 0 && restart < stop) {
        this.discardedBytes += this.size + (restart - pos);
        this.reset();
        this.inFrame = true;
        pos = restart + 1;
        continue;
      }
      if (!this.append(chunk, pos, stop)) {
        tooLarge = new MllpFrameError(
          `MLLP frame exceeds the ${this.maxFrameBytes}-byte limit; frame dropped`,
          this.size + (stop - pos),
          this.maxFrameBytes,
        );
        this.discardedBytes += this.size + (stop - pos);
        this.reset();
        pos = e < 0 ? n : e + 1;
        continue;
      }
      if (e < 0) break;
      pos = e + 1;
      if (pos >= n) {
        this.pendingEnd = true;
        break;
      }
      if (chunk[pos] === MLLP_CR) pos++;
      this.finish(out);
    }
    if (tooLarge) {
      tooLarge.frames = out;
      throw tooLarge;
    }
    return out;
  }

  /**
   * The peer closed the stream: returns a frame whose FS arrived without its trailing CR, and drops
   * (and counts) any unterminated partial frame. The decoder is empty afterwards.
   */
  end(): Buffer[] {
    const out: Buffer[] = [];
    if (this.pendingEnd) {
      this.pendingEnd = false;
      this.finish(out);
    } else if (this.inFrame) {
      this.discardedBytes += this.size + 1; // the start block too
      this.reset();
    }
    return out;
  }

  /** Adds bytes to the current frame; false when that would exceed the limit. */
  private append(chunk: Buffer, from: number, to: number): boolean {
    if (to <= from) return true;
    if (this.size + (to - from) > this.maxFrameBytes) return false;
    this.size += to - from;
    // Copy: the caller may reuse its chunk buffer after push returns.
    this.parts.push(Buffer.from(chunk.subarray(from, to)));
    return true;
  }

  private finish(out: Buffer[]): void {
    out.push(this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size));
    this.reset();
  }

  private reset(): void {
    this.parts = [];
    this.size = 0;
    this.inFrame = false;
  }
}

/** Wraps a payload in an MLLP frame. Strings are encoded as UTF-8; pass a Buffer for other charsets. */
export function encodeMllp(payload: Buffer | string): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload, "utf8") : payload;
  const out = Buffer.allocUnsafe(body.length + 3);
  out[0] = MLLP_START;
  body.copy(out, 1);
  out[body.length + 1] = MLLP_END;
  out[body.length + 2] = MLLP_CR;
  return out;
}
