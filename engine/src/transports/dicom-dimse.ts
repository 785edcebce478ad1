/**
 * DIMSE command sets (PS3.7 §9, §E), pure: the group-0000 elements of C-STORE and C-ECHO requests and
 * responses, always implicit VR little endian, and the status codes the connectors give and take.
 */
import { dicomString, implicitLe } from "./dicom-dataset.js";

export const COMMAND = {
  C_STORE_RQ: 0x0001,
  C_STORE_RSP: 0x8001,
  C_ECHO_RQ: 0x0030,
  C_ECHO_RSP: 0x8030,
} as const;

/** Command Data Set Type (0000,0800): 0x0101 means no dataset follows. */
export const NO_DATASET = 0x0101;

export const STATUS = {
  SUCCESS: 0x0000,
  /** Refused: out of resources — the sender may try again later. */
  OUT_OF_RESOURCES: 0xa700,
  /** Refused: SOP class not supported. */
  SOP_CLASS_NOT_SUPPORTED: 0x0122,
  /** Error: cannot understand. */
  CANNOT_UNDERSTAND: 0xc000,
  /** Unrecognized operation. */
  UNRECOGNIZED_OPERATION: 0x0211,
} as const;

export interface Command {
  field: number;
  messageId?: number;
  respondedTo?: number;
  affectedSopClassUid?: string;
  affectedSopInstanceUid?: string;
  status?: number;
  errorComment?: string;
  hasDataset: boolean;
}

const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};

/** Encodes a command set with its group length; elements in tag order. */
export function encodeCommand(c: Command): Buffer {
  const els: Buffer[] = [];
  if (c.affectedSopClassUid !== undefined)
    els.push(implicitLe(0, 0x0002, dicomString(c.affectedSopClassUid, "UI")));
  els.push(implicitLe(0, 0x0100, u16(c.field)));
  if (c.messageId !== undefined) els.push(implicitLe(0, 0x0110, u16(c.messageId)));
  if (c.respondedTo !== undefined) els.push(implicitLe(0, 0x0120, u16(c.respondedTo)));
  // Priority (0000,0700): medium, on requests only.
  if ((c.field & 0x8000) === 0 && c.field === COMMAND.C_STORE_RQ) els.push(implicitLe(0, 0x0700, u16(0)));
  els.push(implicitLe(0, 0x0800, u16(c.hasDataset ? 0x0000 : NO_DATASET)));
  if (c.status !== undefined) els.push(implicitLe(0, 0x0900, u16(c.status)));
  if (c.errorComment !== undefined)
    els.push(implicitLe(0, 0x0902, dicomString(c.errorComment.slice(0, 64), "LO")));
  if (c.affectedSopInstanceUid !== undefined)
    els.push(implicitLe(0, 0x1000, dicomString(c.affectedSopInstanceUid, "UI")));
  const body = Buffer.concat(els);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length);
  return Buffer.concat([implicitLe(0, 0x0000, length), body]);
}

/** Decodes a command set; unknown elements are skipped. Throws on a cut element. */
export function decodeCommand(b: Buffer): Command {
  const c: Command = { field: -1, hasDataset: false };
  let at = 0;
  while (at + 8 <= b.length) {
    const group = b.readUInt16LE(at);
    const element = b.readUInt16LE(at + 2);
    const length = b.readUInt32LE(at + 4);
    const v = at + 8;
    if (v + length > b.length) throw new Error(`command element (0000,${element}) runs past the end`);
    if (group === 0) {
      const str = () =>
        b
          .toString("latin1", v, v + length)
          .replace(/[\0 ]+$/, "")
          .trim();
      const us = () => (length >= 2 ? b.readUInt16LE(v) : 0);
      if (element === 0x0002) c.affectedSopClassUid = str();
      else if (element === 0x0100) c.field = us();
      else if (element === 0x0110) c.messageId = us();
      else if (element === 0x0120) c.respondedTo = us();
      else if (element === 0x0800) c.hasDataset = us() !== NO_DATASET;
      else if (element === 0x0900) c.status = us();
      else if (element === 0x0902) c.errorComment = str();
      else if (element === 0x1000) c.affectedSopInstanceUid = str();
    }
    at = v + length;
  }
  return c;
}

/** How a C-STORE-RSP status reads for a delivery: success, warning (stored), retry or failure. */
export function storeStatusClass(status: number): "success" | "warning" | "retry" | "failure" {
  if (status === STATUS.SUCCESS) return "success";
  // Warnings (0001, Bxxx) mean the instance was stored (perhaps coerced).
  if (status === 0x0001 || (status & 0xf000) === 0xb000 || status === 0x0107 || status === 0x0116)
    return "warning";
  // Refused: out of resources (A7xx) is the SCP saying "not now".
  if ((status & 0xff00) === 0xa700) return "retry";
  return "failure";
}

export const statusHex = (status: number): string =>
  `0x${status.toString(16).toUpperCase().padStart(4, "0")}`;
