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

/** A frame dropped for exceeding `maxFrameBytes`: the error and the frame's first bytes (for a NAK). */
export interface MllpDroppedFrame {
  error: MllpFrameError;
  /** The first bytes of the dropped frame (at most maxFrameBytes, capped at 64 KiB): MSH for the NAK. */
  head: Buffer;
}

/** Largest `head` kept from a dropped frame: MSH fits many times over, a huge limit does not pin memory. */
const HEAD_BYTES = 64 * 1024;

export class MllpDecoder {
  readonly maxFrameBytes: number;
  /** Bytes seen outside any frame (noise, keep-alives, a dropped oversized frame). */
  discardedBytes = 0;
  private parts: Buffer[] = [];
  private size = 0;
  private inFrame = false;
  /**
   * The last byte seen ended a frame (FS): a CR right after it is the frame's trailer. The frame is
   * complete at FS already, so a sender that never sends the CR (or sends it later) is not left
   * waiting for its ACK.
   */
  private afterEnd = false;

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
   * are on the error's `frames` (use `decode` to learn where the dropped frame was among them).
   */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let tooLarge: MllpFrameError | undefined;
    for (const item of this.decode(chunk)) {
      if (Buffer.isBuffer(item)) out.push(item);
      else tooLarge ??= item.error;
    }
    if (tooLarge) {
      tooLarge.frames = out;
      throw tooLarge;
    }
    return out;
  }

  /**
   * Like `push`, but never throws for size: returns completed payloads and dropped oversized frames
   * in wire order, so a listener can reply to each in turn. The decoder stays usable after a drop.
   */
  decode(chunk: Buffer): (Buffer | MllpDroppedFrame)[] {
    const out: (Buffer | MllpDroppedFrame)[] = [];
    let pos = 0;
    const n = chunk.length;
    while (pos < n) {
      if (this.afterEnd) {
        this.afterEnd = false;
        if (chunk[pos] === MLLP_CR) pos++;
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
        const frameBytes = this.size + (stop - pos);
        const error = new MllpFrameError(
          `MLLP frame exceeds the ${this.maxFrameBytes}-byte limit; frame dropped`,
          frameBytes,
          this.maxFrameBytes,
        );
        out.push({ error, head: this.head(chunk, pos, stop) });
        this.discardedBytes += frameBytes;
        this.reset();
        // The rest of the dropped frame is skipped as bytes outside frames, up to the next start block.
        if (e < 0) break;
        pos = e + 1;
        this.afterEnd = true;
        continue;
      }
      if (e < 0) break;
      pos = e + 1;
      out.push(this.take());
      this.afterEnd = true;
    }
    return out;
  }

  /**
   * The peer closed the stream: drops (and counts) an unterminated partial frame and returns the
   * frames still held (none: a frame completes at its FS). The decoder is empty afterwards.
   */
  end(): Buffer[] {
    if (this.inFrame) {
      this.discardedBytes += this.size + 1; // the start block too
      this.reset();
    }
    this.afterEnd = false;
    return [];
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

  /** The first bytes of the frame being dropped: what was buffered plus this chunk's part. */
  private head(chunk: Buffer, from: number, to: number): Buffer {
    const limit = Math.min(this.maxFrameBytes, HEAD_BYTES);
    // concat copies only up to the given length, so a huge dropped frame costs at most `limit` bytes.
    return Buffer.concat([...this.parts, chunk.subarray(from, to)], Math.min(limit, this.size + (to - from)));
  }

  private take(): Buffer {
    const frame = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.reset();
    return frame;
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
