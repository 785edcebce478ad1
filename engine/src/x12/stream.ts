/**
 * Interchanges on a byte stream (X12 over TCP has no framing of its own): a frame runs from `ISA`
 * to the terminator after its `IEA`, with the separators read from that ISA. Bytes between
 * interchanges (line breaks, junk) are dropped. An interchange over `maxFrameBytes` is reported and
 * skipped up to its IEA, after which decoding resumes (the stream stays in step).
 */
export type X12StreamItem =
  | { payload: Buffer }
  | { rejected: { code: string; message: string; bytesSeen: number; head: Buffer } };

/** Searched as text: no Buffer at module level, so browser bundles of this package load (they never decode streams). */
const ISA = "ISA";
/** An ISA whose 16 element separators are not within this many bytes is not one. */
const ISA_SCAN = 400;
const isAlnumByte = (b: number): boolean =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);

export class X12StreamDecoder {
  /** The live bytes: a view into `room`. */
  private buf: Buffer = Buffer.alloc(0);
  private room: Buffer = this.buf;
  /** Separators of the interchange in progress (element, terminator bytes). */
  private frame: { element: number; terminator: number } | undefined;
  /** Where the search for the IEA resumes inside the current frame. */
  private scanned = 0;
  /** Dropping an oversized interchange up to its IEA. */
  private skipping = false;

  constructor(private readonly maxFrameBytes: number) {}

  /** True while bytes of an unfinished interchange are held. */
  get partial(): boolean {
    return this.frame !== undefined || (this.buf.length > 0 && this.buf.indexOf(ISA) >= 0);
  }

  /** Feeds a chunk; returns completed interchanges and rejections in stream order. */
  decode(chunk: Buffer): X12StreamItem[] {
    this.append(chunk);
    const out: X12StreamItem[] = [];
    for (;;) {
      if (!this.frame && !this.start()) break;
      const f = this.frame as { element: number; terminator: number };
      const end = this.findEnd(f);
      if (end < 0) {
        if (!this.skipping && this.buf.length > this.maxFrameBytes) {
          out.push({ rejected: this.tooLarge(this.buf.length) });
          this.skipping = true;
        }
        if (this.skipping) {
          // Keep only what the IEA search still needs.
          const keep = Math.max(0, Math.min(this.scanned, this.buf.length - 8));
          this.buf = this.buf.subarray(keep);
          this.scanned -= keep;
        }
        break;
      }
      if (this.skipping) {
        this.skipping = false;
      } else if (end > this.maxFrameBytes) {
        out.push({ rejected: this.tooLarge(end) });
      } else out.push({ payload: Buffer.from(this.buf.subarray(0, end)) });
      this.buf = this.buf.subarray(end);
      this.frame = undefined;
      this.scanned = 0;
    }
    return out;
  }

  /**
   * Appends a chunk after the live bytes, in spare room that doubles when full: a large interchange in
   * small chunks costs O(n), not O(n²). Emitted payloads are copies, so the room can be reused.
   */
  private append(chunk: Buffer): void {
    const live = this.buf.length;
    const at = this.buf.byteOffset - this.room.byteOffset;
    const inRoom = this.buf.buffer === this.room.buffer && at >= 0;
    if (inRoom && at + live + chunk.length <= this.room.length) {
      chunk.copy(this.room, at + live);
      this.buf = this.room.subarray(at, at + live + chunk.length);
      return;
    }
    const room = Buffer.allocUnsafe(Math.max(4096, 2 * (live + chunk.length)));
    this.buf.copy(room, 0);
    chunk.copy(room, live);
    this.room = room;
    this.buf = room.subarray(0, live + chunk.length);
  }

  /** Like `decode`, payloads only; an oversized interchange throws. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    for (const item of this.decode(chunk)) {
      if ("rejected" in item) throw new Error(item.rejected.message);
      out.push(item.payload);
    }
    return out;
  }

  /** An interchange without its IEA is incomplete: nothing to return. */
  end(): Buffer[] {
    return [];
  }

  /** Drops bytes before the next ISA and reads its separators; false when more bytes are needed. */
  private start(): boolean {
    for (;;) {
      const at = this.buf.indexOf(ISA);
      if (at < 0) {
        this.buf = this.buf.subarray(Math.max(0, this.buf.length - 2));
        return false;
      }
      if (at > 0) this.buf = this.buf.subarray(at);
      const element = this.buf[3];
      if (element === undefined) return false;
      if (isAlnumByte(element) || element === 0x20 || element === 0x0d || element === 0x0a) {
        this.buf = this.buf.subarray(1); // "ISA" inside junk: look further
        continue;
      }
      let count = 0;
      let i = 3;
      for (; i < Math.min(this.buf.length, ISA_SCAN) && count < 16; i++) if (this.buf[i] === element) count++;
      if (count < 16) {
        if (this.buf.length < ISA_SCAN) return false;
        this.buf = this.buf.subarray(1); // not an ISA after all
        continue;
      }
      const terminator = this.buf[i + 1]; // i is just past the 16th separator; ISA-16 is at i
      if (terminator === undefined) return false;
      this.frame = { element, terminator };
      this.scanned = i + 2;
      return true;
    }
  }

  /** Offset just past the terminator that ends the IEA segment; -1 when not yet received. */
  private findEnd(f: { element: number; terminator: number }): number {
    const iea = Buffer.from([0x49, 0x45, 0x41, f.element]); // "IEA" + element separator
    for (let at = this.buf.indexOf(iea, this.scanned); at >= 0; at = this.buf.indexOf(iea, at + 1)) {
      if (!this.segmentStartsAt(at, f.terminator)) continue; // "IEA*" inside an element value
      const t = this.buf.indexOf(f.terminator, at + 4);
      if (t < 0) {
        this.scanned = at;
        return -1;
      }
      return t + 1;
    }
    this.scanned = Math.max(0, this.buf.length - 4);
    return -1;
  }

  /** True when a segment terminator (then maybe CR/LF) precedes `at`; the terminator may be CR or LF itself. */
  private segmentStartsAt(at: number, terminator: number): boolean {
    for (let p = at - 1; p >= 0; p--) {
      const b = this.buf[p];
      if (b === terminator) return true;
      if (b !== 0x0d && b !== 0x0a) return false;
    }
    return true; // the buffer's start (only while skipping an oversized interchange)
  }

  private tooLarge(bytesSeen: number) {
    return {
      code: "X12_INTERCHANGE_TOO_LARGE",
      message: `interchange exceeds the ${this.maxFrameBytes}-byte limit; skipped to its IEA`,
      bytesSeen,
      head: Buffer.from(this.buf.subarray(0, Math.min(this.maxFrameBytes, 64 * 1024))),
    };
  }
}
