/**
 * What a delivery tells its connector besides the payload. Its own module because delivery threads
 * (runtime/delivery-thread.ts) need it without loading the registry runner.
 */
import { peekMsh } from "../hl7/index.js";
import type { SendMeta } from "../transports/types.js";
import { peekX12Bytes } from "../x12/index.js";
import type { DeliverMeta } from "./types.js";

/**
 * The connector's SendMeta, with filename-template values taken from the payload being delivered
 * (its own MSH-10, which a handler may have set, e.g. on a JSON → HL7 transform).
 */
export function sendMeta(payload: Buffer, meta: DeliverMeta): SendMeta {
  const hint: Record<string, string> = { messageId: meta.messageId, rowId: String(meta.rowId) };
  if (meta.handler) hint.handler = meta.handler;
  const hl7 = hl7Header(payload);
  // An X12 payload is labelled by its first set's ST-01 and its ISA-13 (no MSH-* names for it).
  const head = hl7 ?? x12Header(payload);
  const controlId = head?.controlId || meta.controlId;
  if (controlId) {
    hint.controlId = controlId;
    if (hl7 || !head) hint["MSH-10"] = controlId;
  }
  if (head?.messageType) {
    hint.messageType = head.messageType;
    if (hl7) hint["MSH-9"] = head.messageType;
  }
  return { messageId: meta.messageId, ...(controlId ? { controlId } : {}), filenameHint: hint };
}

/** An X12 payload's labels (ST-01, ISA-13), read only when it starts with ISA. */
function x12Header(payload: Buffer): { messageType: string; controlId: string } | undefined {
  if (payload.toString("latin1", 0, 3) !== "ISA") return undefined;
  const h = peekX12Bytes(payload);
  return h?.controlNumber ? { messageType: h.transactionType ?? "", controlId: h.controlNumber } : undefined;
}

/** MSH-9 (type^trigger) and MSH-10 read straight from the payload's header (no full parse on the hot path). */
export function hl7Header(payload: Buffer): { messageType: string; controlId: string } | undefined {
  const code = peekMsh(payload, 9, 1);
  if (code === undefined) return undefined;
  const trigger = peekMsh(payload, 9, 2);
  return {
    messageType: trigger === undefined ? code : `${code}^${trigger}`,
    controlId: peekMsh(payload, 10) ?? "",
  };
}
