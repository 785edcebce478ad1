/**
 * The engine's recent log lines, kept in memory for support bundles: a bounded ring (oldest lines
 * dropped first, each line capped) that is also a pino destination (`write(line)`), so it holds
 * exactly what the engine wrote to stdout. The engine logs no message bodies, so neither does this.
 */
export const LOG_RING_LINES = 2000;
export const LOG_RING_LINE_BYTES = 8192;

export interface RecentLog {
  /** The kept lines, oldest first (pino JSON lines without the newline). */
  lines: string[];
  /** Lines pushed out of the ring since the engine started. */
  dropped: number;
  capacity: number;
}

export class LogRing {
  readonly #lines: (string | undefined)[];
  #next = 0;
  #count = 0;
  #dropped = 0;

  constructor(
    readonly capacity = LOG_RING_LINES,
    readonly maxLineBytes = LOG_RING_LINE_BYTES,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError("capacity must be a positive integer");
    this.#lines = new Array(capacity);
  }

  /** A pino destination: one or more newline-terminated lines per call. */
  write(chunk: string): boolean {
    for (const line of chunk.split("\n")) if (line !== "") this.push(line);
    return true;
  }

  push(line: string): void {
    // Capped by characters (≤ 4 bytes each in UTF-8): a runaway line cannot grow the ring unbounded.
    const kept = line.length > this.maxLineBytes ? `${line.slice(0, this.maxLineBytes)}…[truncated]` : line;
    if (this.#count === this.capacity) this.#dropped++;
    else this.#count++;
    this.#lines[this.#next] = kept;
    this.#next = (this.#next + 1) % this.capacity;
  }

  snapshot(): RecentLog {
    const start = (this.#next - this.#count + this.capacity) % this.capacity;
    const lines: string[] = [];
    for (let i = 0; i < this.#count; i++) lines.push(this.#lines[(start + i) % this.capacity] as string);
    return { lines, dropped: this.#dropped, capacity: this.capacity };
  }
}
