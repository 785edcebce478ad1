/**
 * What a delivery tells its connector besides the payload. Its own module because delivery threads
 * (runtime/delivery-thread.ts) need it without loading the registry runner.
 */
import { peekMsh } from "../hl7/index.js";
import type { SendMeta } from "../transports/types.js";
import type { DeliverMeta } from "./types.js";

/**
 * The connector's SendMeta, with filename-template values taken from the payload being delivered
 * (its own MSH-10, which a handler may have set, e.g. on a JSON → HL7 transform).
 */
export function sendMeta(payload: Buffer, meta: DeliverMeta): SendMeta {
  const hint: Record<string, string> = { messageId: meta.messageId, rowId: String(meta.rowId) };
  if (meta.handler) hint.handler = meta.handler;
  const head = hl7Header(payload);
  const controlId = head?.controlId || meta.controlId;
  if (controlId) {
    hint.controlId = controlId;
    hint["MSH-10"] = controlId;
  }
  if (head?.messageType) {
    hint.messageType = head.messageType;
    hint["MSH-9"] = head.messageType;
  }
  return { messageId: meta.messageId, ...(controlId ? { controlId } : {}), filenameHint: hint };
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
