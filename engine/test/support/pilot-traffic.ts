/**
 * Traffic that leaves a store with messages in every state, on either backend: processed, filtered,
 * unrouted, router error, dead letter (with a reply), a rejected payload, rows in flight at an outbound
 * lane no worker serves (OB_WAIT), and arrivals no router has seen (IB_HOLD). `marker` goes into
 * every body, error text and reply, for the encryption-at-rest checks. Synthetic patients only.
 */
import {
  createIntake,
  startDeliveryWorker,
  startRouterWorker,
  startTransformWorker,
} from "../../src/pipeline/index.js";
import { FINAL_DISPOSITIONS, type MessageSummary, type Store } from "../../src/store/index.js";
import { until } from "./fixtures.js";

/** Control-id prefixes and what happens to them. */
export const KINDS = ["OK", "FILTER", "UNROUTED", "ERR", "DEAD", "WAIT"] as const;

export function hl7(controlId: string, marker: string): Buffer {
  return Buffer.from(
    `MSH|^~\\&|PILOT|FAC|DEST|FAC|20260101120000||ADT^A01^ADT_A01|${controlId}|P|2.5.1\rPID|1||${controlId}^^^MRN||${marker}^PATIENT||19700101|U`,
    "latin1",
  );
}

export interface PilotTraffic {
  /** Every message after the traffic settled, newest first. */
  messages: MessageSummary[];
}

/** Sends `perKind` messages of each kind through intake and the workers, and waits until they settle. */
export async function pilotTraffic(store: Store, marker: string, perKind = 3): Promise<PilotTraffic> {
  const intake = createIntake(store);
  const kindOf = (controlId: string | null) => KINDS.find((k) => controlId?.startsWith(k)) ?? "OK";
  const workers = [
    startRouterWorker(
      "IB_P",
      async (_inbound, input) => {
        const kind = kindOf(input.controlId);
        if (kind === "ERR") return { error: `router refused ${marker}` };
        if (kind === "UNROUTED") return { handlers: [] };
        return { handlers: ["h"] };
      },
      { store, pollMs: 50 },
    ),
    startTransformWorker(
      "IB_P",
      async (_handler, input) => {
        const kind = kindOf(input.controlId);
        if (kind === "FILTER") return { sends: [] };
        const outbound = kind === "DEAD" ? "OB_DEAD" : kind === "WAIT" ? "OB_WAIT" : "OB_OK";
        return { sends: [{ outbound, payload: input.body }] };
      },
      { store, pollMs: 50 },
    ),
    startDeliveryWorker(
      "OB_OK",
      async (_o, _payload, meta) => ({
        status: "ok",
        reply: Buffer.from(`MSA|AA|${meta.controlId}|${marker}`),
      }),
      { store, pollMs: 50 },
    ),
    startDeliveryWorker(
      "OB_DEAD",
      async (_o, _payload, meta) => ({
        status: "permanent",
        error: `AR from destination: ${marker}`,
        reply: Buffer.from(`MSA|AR|${meta.controlId}|${marker}`),
      }),
      { store, pollMs: 50 },
    ),
  ];
  try {
    for (let i = 1; i <= perKind; i++) {
      for (const kind of KINDS) await intake.receive("IB_P", hl7(`${kind}${i}`, marker));
      await intake.receive("IB_HOLD", hl7(`HOLD${i}`, marker));
    }
    await intake.receive("IB_P", Buffer.from(`not HL7 at all ${marker}`, "latin1"));
    await until(async () => {
      const all = await store.listMessages({ inbound: "IB_P", limit: 1000 });
      return all.every(
        (m) =>
          FINAL_DISPOSITIONS.has(m.disposition) ||
          (kindOf(m.controlId) === "WAIT" && m.disposition === "ROUTED"),
      );
    }, 20);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
  return { messages: await store.listMessages({ limit: 1000 }) };
}
