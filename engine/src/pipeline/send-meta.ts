/**
 * What a delivery tells its connector besides the payload. Its own module because delivery threads
 * (runtime/delivery-thread.ts) need it without loading the registry runner.
 */
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

/** MSH-9 and MSH-10 read straight from the payload's first segment (no full parse on the hot path). */
export function hl7Header(payload: Buffer): { messageType: string; controlId: string } | undefined {
  if (payload.length < 8 || payload[0] !== 0x4d || payload[1] !== 0x53 || payload[2] !== 0x48)
    return undefined;
  let end = payload.indexOf(0x0d);
  if (end < 0) end = payload.indexOf(0x0a);
  if (end < 0) end = payload.length;
  const line = payload.toString("latin1", 0, Math.min(end, 1024));
  const fs = line[3] ?? "|";
  const comp = line[4] ?? "^";
  // MSH-1 is the separator itself, so MSH-n is split index n-1.
  const fields = line.split(fs);
  const type = (fields[8] ?? "").split(comp).slice(0, 2).join("^");
  return { messageType: type, controlId: fields[9] ?? "" };
}
