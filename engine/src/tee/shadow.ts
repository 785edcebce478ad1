/**
 * The shadow path: a bounded FIFO in front of one connection to the shadow engine. `offer` never
 * waits and never throws, so nothing the shadow does (down, slow, refusing) can reach the legacy
 * path; a full queue drops the copy, counts it and records it as `overflow`. One frame in flight at a
 * time keeps the order frames were received in (per upstream connection, and across them). A shadow
 * that cannot be reached is retried with a growing pause, keeping its queue until it comes back; a
 * frame it leaves unanswered twice, or does not answer in time, is recorded and skipped.
 */

import { MllpConnection } from "../harness/index.js";
import type { Log } from "../log.js";
import { type Endpoint, exchangeOn, openLeg } from "./link.js";
import type { LegResult } from "./log.js";

export interface ShadowOptions {
  to: Endpoint;
  /** Most frames waiting; more are dropped as overflow. */
  capacity: number;
  timeoutMs: number;
  /** Records each frame's outcome (the tee log). */
  settle(id: number, result: LegResult): void;
  log: Log;
}

export interface ShadowStats {
  queued: number;
  sent: number;
  failed: number;
  overflow: number;
  connected: boolean;
}

const ATTEMPTS = 2;
const MAX_PAUSE_MS = 2000;

export class ShadowForwarder {
  readonly #o: ShadowOptions;
  readonly #queue: { id: number; frame: Buffer }[] = [];
  #head = 0;
  #link: MllpConnection | undefined;
  #running = false;
  #stopped = false;
  #overflowing = false;
  #wake: (() => void) | undefined;
  readonly stats = { sent: 0, failed: 0, overflow: 0 };

  constructor(o: ShadowOptions) {
    this.#o = o;
  }

  get depth(): number {
    return this.#queue.length - this.#head;
  }

  snapshot(): ShadowStats {
    return { ...this.stats, queued: this.depth, connected: this.#link !== undefined && !this.#link.closed };
  }

  /** Queues a copy for the shadow; never blocks. */
  offer(id: number, frame: Buffer): void {
    if (this.#stopped) return;
    if (this.depth >= this.#o.capacity) {
      this.stats.overflow++;
      this.#safeSettle(id, { status: "overflow" });
      if (!this.#overflowing) {
        this.#overflowing = true;
        this.#o.log.warn(
          { event: "tee.shadow.overflow", capacity: this.#o.capacity, overflow: this.stats.overflow },
          "shadow queue full: copies are dropped until it drains",
        );
      }
      return;
    }
    this.#queue.push({ id, frame });
    // A running loop picks it up (a pause for an unreachable shadow is not cut short).
    if (!this.#running) void this.#run();
  }

  /** Stops sending; frames still queued stay `pending` in the log. */
  stop(): void {
    this.#stopped = true;
    this.#wake?.();
    this.#link?.close();
  }

  async #run(): Promise<void> {
    this.#running = true;
    let pause = 50;
    let attempts = 0;
    try {
      while (!this.#stopped && this.depth > 0) {
        const item = this.#queue[this.#head]!;
        if (!this.#link || this.#link.closed) {
          const link = await openLeg(this.#o.to, this.#o.timeoutMs);
          if (!(link instanceof MllpConnection)) {
            this.#o.log.debug({ event: "tee.shadow.unreachable", error: link.ok ? "" : link.error });
            await this.#sleep(pause);
            pause = Math.min(pause * 2, MAX_PAUSE_MS);
            continue;
          }
          this.#link = link;
          pause = 50;
        }
        const r = await exchangeOn(this.#link, item.frame, this.#o.timeoutMs);
        if (this.#stopped) break; // stopping: the frame stays pending in the log
        attempts++;
        if (r.ok) {
          this.stats.sent++;
          const code = peekMsa1(r.reply);
          this.#safeSettle(item.id, { status: "acked", ack: r.reply, ...(code ? { code } : {}) });
        } else if (r.status === "unreachable" && attempts < ATTEMPTS) {
          continue; // closed under us: reconnect and send the same frame again
        } else {
          this.stats.failed++;
          this.#safeSettle(item.id, { status: r.status, error: r.error });
        }
        attempts = 0;
        this.#take();
      }
    } finally {
      this.#running = false;
    }
    if (!this.#stopped && this.depth > 0) void this.#run();
  }

  #take(): void {
    this.#head++;
    // Compact now and then instead of shifting the array on every frame.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#overflowing && this.depth < this.#o.capacity / 2) {
      this.#overflowing = false;
      this.#o.log.info({ event: "tee.shadow.drained", overflow: this.stats.overflow, queued: this.depth });
    }
  }

  #safeSettle(id: number, r: LegResult): void {
    try {
      this.#o.settle(id, r);
    } catch (error) {
      // The shadow's bookkeeping must not break the relay either.
      this.#o.log.error({ event: "tee.shadow.record-failed", id, error: (error as Error).message });
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.#wake = done;
    });
  }
}

/** MSA-1 of an ACK without parsing the whole reply. */
export function peekMsa1(ack: Buffer): string | undefined {
  const text = ack.toString("latin1");
  const at = text.search(/(^|[\r\n])MSA/);
  if (at < 0) return undefined;
  const start = text.indexOf("MSA", at);
  const sep = text[start + 3];
  if (sep === undefined) return undefined;
  return (
    text
      .slice(start + 4)
      .split(/[\r\n]/, 1)[0]
      ?.split(sep, 1)[0] || undefined
  );
}
