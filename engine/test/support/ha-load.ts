/**
 * Steady MLLP load through a VIP for the failover tests, as a real sender behaves: one message at a
 * time, and a message without an AA (connection lost, no reply, a NAK) is sent again until it is
 * ACKed. `ledger` then checks the sink against what was ACKed: everything ACKed delivered, per-lane
 * order kept (first deliveries in send order), and the duplicates counted.
 */
import assert from "node:assert/strict";
import { adt, field, MllpSender } from "../runtime/helpers.js";

export interface SteadyLoad {
  /** Control ids ACKed (AA), in send order. */
  readonly acked: string[];
  /** Messages sent again after a failed attempt. */
  readonly resends: number;
  /** Resolves once the next `n` messages were ACKed. */
  acks(n: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `${prefix}000001`, `${prefix}000002`, … to 127.0.0.1:`port` until stopped. */
export function steadyLoad(port: number, prefix: string): SteadyLoad {
  const acked: string[] = [];
  let resends = 0;
  let stopping = false;
  const waiters = new Set<() => void>();
  const run = (async () => {
    let sender: MllpSender | undefined;
    for (let i = 1; !stopping; ) {
      const id = `${prefix}${String(i).padStart(6, "0")}`;
      try {
        sender ??= await MllpSender.connect(port);
        const code = await sender.send(adt(id));
        if (code !== "AA") throw new Error(`answered ${code}`);
        acked.push(id);
        for (const w of waiters) w();
        i++;
      } catch {
        sender?.close();
        sender = undefined;
        resends++;
        await sleep(50);
      }
    }
    sender?.close();
  })();
  return {
    acked,
    get resends() {
      return resends;
    },
    acks(n) {
      const target = acked.length + n;
      return new Promise((resolve) => {
        const check = () => {
          if (acked.length >= target) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      stopping = true;
      // A send waiting for a reply that never comes ends when the VIP or the test closes its socket.
      await Promise.race([run, sleep(5000)]);
    },
  };
}

export interface Ledger {
  delivered: number;
  unique: number;
  duplicates: number;
}

/** Whether every ACKed id reached the sink (to wait for). */
export function deliveredAll(acked: readonly string[], received: readonly string[]): boolean {
  const seen = new Set(received.map((text) => field(text, "MSH-10")));
  return acked.every((id) => seen.has(id));
}

/** Every ACKed id was delivered; first deliveries come in send order; duplicates counted. */
export function ledger(acked: readonly string[], received: readonly string[]): Ledger {
  const ids = received.map((text) => field(text, "MSH-10") ?? "");
  const seen = new Set<string>();
  const firsts: string[] = [];
  for (const id of ids) {
    if (seen.has(id)) continue;
    seen.add(id);
    firsts.push(id);
  }
  const missing = acked.filter((id) => !seen.has(id));
  assert.deepEqual(missing, [], "every ACKed message is delivered");
  const sorted = [...firsts].sort();
  assert.deepEqual(firsts, sorted, "the lane's order is kept (first deliveries in send order)");
  return { delivered: ids.length, unique: firsts.length, duplicates: ids.length - firsts.length };
}
