/**
 * The tee's outgoing MLLP legs (legacy and shadow) over the harness's client connection
 * (harness/connection.ts: one exchange at a time, closed after a timeout), with every failure turned
 * into an answer the relay records: `unreachable` (no connection, or closed before the answer) or
 * `timeout`. Never throws.
 */
import { type Endpoint, MllpConnection } from "../harness/index.js";

export type { Endpoint };

export type Exchange =
  | { ok: true; reply: Buffer }
  | { ok: false; status: "unreachable" | "timeout"; error: string };

/** Connects, or answers why not (`host:port: ECONNREFUSED`, `no connection … within N ms`). */
export async function openLeg(to: Endpoint, timeoutMs: number): Promise<MllpConnection | Exchange> {
  try {
    return await MllpConnection.open(to, timeoutMs);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const timedOut = e.code === undefined && /within \d+ ms/.test(e.message);
    return {
      ok: false,
      status: timedOut ? "timeout" : "unreachable",
      error: e.code ? `${to.host}:${to.port}: ${e.code}` : e.message,
    };
  }
}

/** Sends one frame on an open leg and waits for its answer. */
export async function exchangeOn(conn: MllpConnection, frame: Buffer, timeoutMs: number): Promise<Exchange> {
  const r = await conn.exchange(frame, timeoutMs);
  if ("reply" in r) return { ok: true, reply: r.reply };
  return r.error === "timeout"
    ? { ok: false, status: "timeout", error: `no answer in ${timeoutMs} ms` }
    : { ok: false, status: "unreachable", error: "the connection closed before the answer" };
}
