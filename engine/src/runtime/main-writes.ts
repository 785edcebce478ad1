/**
 * On SQLite the main thread's connection writes for the delivery threads: a lane's completions and
 * give-backs cross to it by message and run there, so one connection does (nearly) all of the engine's
 * writes. A second writing connection cost twice over: each of its transactions waited for the write
 * lock behind intake's durable commits, and each commit — its own or the main thread's — made the
 * other connection drop its whole page cache (SQLite's WAL readers start over when another connection
 * has written) and read back the pages it touched next. A thread still reads (claims while behind,
 * its lane's head) on its own connection; a claim that must write (rows left pending by a restart)
 * takes the shared write lock as before.
 *
 * The thread's side is `MainWriter` (the store methods a lane writes with, answered when the main
 * thread's transaction has committed); the main thread's is `applyWrite`.
 */
import type { DeliveryResult, Store } from "../store/index.js";

type Writes = Pick<Store, "completeDelivery" | "releaseClaims" | "releaseLane">;

/** A delivery result as posted: its reply (the destination's ACK) in a buffer of its own. */
type PostedResult = DeliveryResult extends infer R
  ? R extends DeliveryResult
    ? Omit<R, "reply"> & { reply?: Uint8Array }
    : never
  : never;

export type WriteCall =
  | { type: "write"; id: number; op: "completeDelivery"; owner: string; results: PostedResult[] }
  | { type: "write"; id: number; op: "releaseClaims"; owner: string; rowIds: number[] }
  | { type: "write"; id: number; op: "releaseLane"; owner: string; outbound: string };

/** The answer: the store method's value, or its error (name, message and code survive the crossing). */
export type WriteReply =
  | { type: "written"; id: number; value: number }
  | { type: "written"; id: number; error: { name: string; message: string; code?: string } };

/** The thread's writer: each call posts a `WriteCall` and settles with the main thread's reply. */
export class MainWriter implements Writes {
  readonly #pending = new Map<number, { resolve(n: number): void; reject(e: Error): void }>();
  #next = 1;

  constructor(private readonly post: (call: WriteCall) => void) {}

  completeDelivery(owner: string, results: DeliveryResult[]): Promise<number> {
    // A Buffer's structured clone copies the whole slab it is a slice of: copy just the reply.
    const posted = results.map((r) => (r.reply ? { ...r, reply: new Uint8Array(r.reply) } : r));
    return this.#call((id) => ({ type: "write", id, op: "completeDelivery", owner, results: posted }));
  }

  releaseClaims(owner: string, rowIds: number[]): Promise<number> {
    return this.#call((id) => ({ type: "write", id, op: "releaseClaims", owner, rowIds }));
  }

  releaseLane(outbound: string, owner: string): Promise<number> {
    return this.#call((id) => ({ type: "write", id, op: "releaseLane", owner, outbound }));
  }

  /** The main thread answered call `reply.id`. */
  answer(reply: WriteReply): void {
    const waiter = this.#pending.get(reply.id);
    if (!waiter) return;
    this.#pending.delete(reply.id);
    if ("error" in reply) waiter.reject(Object.assign(new Error(reply.error.message), reply.error));
    else waiter.resolve(reply.value);
  }

  /** The main thread will not answer (the thread is closing): every call still waiting fails. */
  failAll(error: Error): void {
    for (const waiter of this.#pending.values()) waiter.reject(error);
    this.#pending.clear();
  }

  #call(call: (id: number) => WriteCall): Promise<number> {
    const id = this.#next++;
    return new Promise<number>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.post(call(id));
    });
  }
}

/** The main thread's side: runs the call on the engine's store and answers with its value or error. */
export async function applyWrite(store: Writes, call: WriteCall): Promise<WriteReply> {
  try {
    const value = await run(store, call);
    return { type: "written", id: call.id, value };
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    const code = (error as { code?: unknown }).code;
    return {
      type: "written",
      id: call.id,
      error: { name: error.name, message: error.message, ...(typeof code === "string" ? { code } : {}) },
    };
  }
}

/** The delivery results as the store takes them: replies as Buffers over the posted memory. */
function received(posted: PostedResult[]): DeliveryResult[] {
  return posted.map((r): DeliveryResult => {
    const { reply, ...rest } = r;
    return reply ? { ...rest, reply: Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength) } : rest;
  });
}

function run(store: Writes, call: WriteCall): Promise<number> {
  switch (call.op) {
    case "completeDelivery":
      // One transaction, as on the thread before: run in chunks with event-loop turns between them
      // (for intake's ACKs), a completion waited several of the main thread's turns under load and
      // its lane fell behind for good (docs/PERFORMANCE.md).
      return store.completeDelivery(call.owner, received(call.results));
    case "releaseClaims":
      return store.releaseClaims(call.owner, call.rowIds);
    case "releaseLane":
      return store.releaseLane ? store.releaseLane(call.outbound, call.owner) : Promise.resolve(0);
  }
}
