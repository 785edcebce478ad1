/**
 * DICOM upper-layer PDUs (PS3.8 §9.3), pure: encoding and decoding of A-ASSOCIATE-RQ/AC/RJ, P-DATA-TF,
 * A-RELEASE-RQ/RP and A-ABORT, plus a reader that cuts a byte stream into PDUs with a size cap (a peer
 * cannot make us buffer more than one PDU of at most `maxPduBytes`).
 */
import { hex4 } from "./dicom-dataset.js";

export const PDU = {
  ASSOCIATE_RQ: 0x01,
  ASSOCIATE_AC: 0x02,
  ASSOCIATE_RJ: 0x03,
  DATA: 0x04,
  RELEASE_RQ: 0x05,
  RELEASE_RP: 0x06,
  ABORT: 0x07,
} as const;

export const APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1";

/** A-ASSOCIATE-RJ reasons (result 1 = permanent, source 1 = service user). */
export const REJECT = {
  NO_REASON: 1,
  APPLICATION_CONTEXT: 2,
  CALLING_AE: 3,
  CALLED_AE: 7,
} as const;

/** Presentation context results in an A-ASSOCIATE-AC. */
export const PC_RESULT = {
  ACCEPTANCE: 0,
  USER_REJECTION: 1,
  ABSTRACT_SYNTAX_NOT_SUPPORTED: 3,
  TRANSFER_SYNTAXES_NOT_SUPPORTED: 4,
} as const;

export interface ProposedContext {
  id: number;
  abstractSyntax: string;
  transferSyntaxes: string[];
}

export interface ContextResult {
  id: number;
  result: number;
  /** The accepted transfer syntax (absent or ignored when not accepted). */
  transferSyntax?: string;
}

export interface AssociateRq {
  calledAeTitle: string;
  callingAeTitle: string;
  applicationContext: string;
  contexts: ProposedContext[];
  /** The requestor's maximum PDU length it receives (0 = unlimited). */
  maxPduLength: number;
  implementationClassUid?: string;
}

export interface AssociateAc {
  calledAeTitle: string;
  callingAeTitle: string;
  contexts: ContextResult[];
  maxPduLength: number;
}

export interface Pdv {
  contextId: number;
  command: boolean;
  last: boolean;
  data: Buffer;
}

export type Pdu =
  | { type: typeof PDU.ASSOCIATE_RQ; rq: AssociateRq }
  | { type: typeof PDU.ASSOCIATE_AC; ac: AssociateAc }
  | { type: typeof PDU.ASSOCIATE_RJ; result: number; source: number; reason: number }
  | { type: typeof PDU.DATA; pdvs: Pdv[] }
  | { type: typeof PDU.RELEASE_RQ }
  | { type: typeof PDU.RELEASE_RP }
  | { type: typeof PDU.ABORT; source: number; reason: number };

export class PduError extends Error {
  override name = "PduError";
}

// ---------------------------------------------------------------- encoding

function pdu(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(6);
  head[0] = type;
  head.writeUInt32BE(body.length, 2);
  return Buffer.concat([head, body]);
}

function item(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = type;
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([head, body]);
}

const uid = (type: number, value: string) => item(type, Buffer.from(value, "latin1"));

/** An AE title as the 16 space-padded bytes of an association header. */
function aeField(title: string): Buffer {
  return Buffer.from(title.padEnd(16, " ").slice(0, 16), "latin1");
}

function userInfo(maxPduLength: number, implementationClassUid: string, version: string): Buffer {
  const max = Buffer.alloc(4);
  max.writeUInt32BE(maxPduLength);
  return item(0x50, Buffer.concat([item(0x51, max), uid(0x52, implementationClassUid), uid(0x55, version)]));
}

function associateHeader(called: string, calling: string): Buffer {
  const version = Buffer.from([0x00, 0x01, 0x00, 0x00]);
  return Buffer.concat([version, aeField(called), aeField(calling), Buffer.alloc(32)]);
}

export function encodeAssociateRq(
  rq: AssociateRq & { implementationClassUid: string; implementationVersion: string },
): Buffer {
  const contexts = rq.contexts.map((c) =>
    item(
      0x20,
      Buffer.concat([
        Buffer.from([c.id, 0, 0, 0]),
        uid(0x30, c.abstractSyntax),
        ...c.transferSyntaxes.map((ts) => uid(0x40, ts)),
      ]),
    ),
  );
  return pdu(
    PDU.ASSOCIATE_RQ,
    Buffer.concat([
      associateHeader(rq.calledAeTitle, rq.callingAeTitle),
      uid(0x10, rq.applicationContext),
      ...contexts,
      userInfo(rq.maxPduLength, rq.implementationClassUid, rq.implementationVersion),
    ]),
  );
}

export function encodeAssociateAc(
  ac: AssociateAc & { implementationClassUid: string; implementationVersion: string },
): Buffer {
  const contexts = ac.contexts.map((c) =>
    item(
      0x21,
      Buffer.concat([
        Buffer.from([c.id, 0, c.result, 0]),
        // A rejected context still carries a transfer syntax sub-item; its value is not significant.
        uid(0x40, c.transferSyntax ?? "1.2.840.10008.1.2"),
      ]),
    ),
  );
  return pdu(
    PDU.ASSOCIATE_AC,
    Buffer.concat([
      associateHeader(ac.calledAeTitle, ac.callingAeTitle),
      uid(0x10, APPLICATION_CONTEXT),
      ...contexts,
      userInfo(ac.maxPduLength, ac.implementationClassUid, ac.implementationVersion),
    ]),
  );
}

export function encodeAssociateRj(reason: number): Buffer {
  return pdu(PDU.ASSOCIATE_RJ, Buffer.from([0, 1, 1, reason]));
}

export const encodeReleaseRq = (): Buffer => pdu(PDU.RELEASE_RQ, Buffer.alloc(4));
export const encodeReleaseRp = (): Buffer => pdu(PDU.RELEASE_RP, Buffer.alloc(4));
/** A-ABORT from the service provider (source 2) or user (0), with a reason (0 = not specified). */
export const encodeAbort = (source = 0, reason = 0): Buffer =>
  pdu(PDU.ABORT, Buffer.from([0, 0, source, reason]));

/** One P-DATA-TF with one PDV: a command or dataset fragment. */
export function encodeData(contextId: number, command: boolean, last: boolean, data: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head[0] = PDU.DATA;
  head.writeUInt32BE(data.length + 6, 2);
  head.writeUInt32BE(data.length + 2, 6);
  head[10] = contextId;
  head[11] = (command ? 1 : 0) | (last ? 2 : 0);
  return Buffer.concat([head, data]);
}

// ---------------------------------------------------------------- decoding

/** Cuts a byte stream into PDUs; a PDU announcing more than `maxPduBytes` is a PduError. */
export class PduReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxPduBytes: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** Bytes waiting, for back-pressure decisions. */
  get pending(): number {
    return this.buffered;
  }

  /** The next whole PDU, or undefined until more bytes arrive. */
  next(): Pdu | undefined {
    if (this.buffered < 6) return undefined;
    const head = this.peek(6);
    const length = head.readUInt32BE(2);
    if (length > this.maxPduBytes)
      throw new PduError(
        `PDU of type ${head[0]} announces ${length} bytes, over the ${this.maxPduBytes} limit`,
      );
    if (this.buffered < 6 + length) return undefined;
    const all = this.take(6 + length);
    return decodePdu(all[0]!, all.subarray(6));
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    this.buffered -= n;
    return all.subarray(0, n);
  }
}

export function decodePdu(type: number, body: Buffer): Pdu {
  switch (type) {
    case PDU.ASSOCIATE_RQ:
      return { type, rq: decodeAssociate(body, true) as AssociateRq };
    case PDU.ASSOCIATE_AC:
      return { type, ac: decodeAssociate(body, false) as AssociateAc };
    case PDU.ASSOCIATE_RJ:
      need(body, 4, "A-ASSOCIATE-RJ");
      return { type, result: body[1]!, source: body[2]!, reason: body[3]! };
    case PDU.DATA:
      return { type, pdvs: decodePdvs(body) };
    case PDU.RELEASE_RQ:
      return { type };
    case PDU.RELEASE_RP:
      return { type };
    case PDU.ABORT:
      need(body, 4, "A-ABORT");
      return { type, source: body[2]!, reason: body[3]! };
    default:
      throw new PduError(`unknown PDU type 0x${type.toString(16)}`);
  }
}

function need(body: Buffer, n: number, what: string): void {
  if (body.length < n) throw new PduError(`${what} is ${body.length} bytes, shorter than ${n}`);
}

function decodePdvs(body: Buffer): Pdv[] {
  const pdvs: Pdv[] = [];
  let at = 0;
  while (at < body.length) {
    if (at + 6 > body.length) throw new PduError(`P-DATA-TF: PDV header cut at byte ${at}`);
    const length = body.readUInt32BE(at);
    if (length < 2 || at + 4 + length > body.length)
      throw new PduError(`P-DATA-TF: PDV at byte ${at} has a bad length ${length}`);
    const control = body[at + 5]!;
    pdvs.push({
      contextId: body[at + 4]!,
      command: (control & 1) === 1,
      last: (control & 2) === 2,
      data: body.subarray(at + 6, at + 4 + length),
    });
    at += 4 + length;
  }
  return pdvs;
}

function text(b: Buffer): string {
  return b
    .toString("latin1")
    .replace(/[\0 ]+$/, "")
    .trim();
}

function decodeAssociate(body: Buffer, request: boolean): AssociateRq | AssociateAc {
  const what = request ? "A-ASSOCIATE-RQ" : "A-ASSOCIATE-AC";
  need(body, 68, what);
  const calledAeTitle = text(body.subarray(4, 20));
  const callingAeTitle = text(body.subarray(20, 36));
  let applicationContext = "";
  const proposed: ProposedContext[] = [];
  const results: ContextResult[] = [];
  let maxPduLength = 0;
  let implementationClassUid: string | undefined;
  forEachItem(body, 68, what, (type, value) => {
    if (type === 0x10) applicationContext = text(value);
    else if (type === 0x20 || type === 0x21) {
      need(value, 4, `${what} presentation context`);
      const id = value[0]!;
      const syntaxes: { type: number; uid: string }[] = [];
      forEachItem(value, 4, `${what} presentation context ${id}`, (t, v) => {
        syntaxes.push({ type: t, uid: text(v) });
      });
      const transfer = syntaxes.filter((s) => s.type === 0x40).map((s) => s.uid);
      if (type === 0x20) {
        const abstract = syntaxes.find((s) => s.type === 0x30)?.uid ?? "";
        proposed.push({ id, abstractSyntax: abstract, transferSyntaxes: transfer });
      } else {
        const r: ContextResult = { id, result: value[2]! };
        if (transfer[0] !== undefined) r.transferSyntax = transfer[0];
        results.push(r);
      }
    } else if (type === 0x50) {
      forEachItem(value, 0, `${what} user information`, (t, v) => {
        if (t === 0x51 && v.length >= 4) maxPduLength = v.readUInt32BE(0);
        else if (t === 0x52) implementationClassUid = text(v);
      });
    }
  });
  if (request) {
    const rq: AssociateRq = {
      calledAeTitle,
      callingAeTitle,
      applicationContext,
      contexts: proposed,
      maxPduLength,
    };
    if (implementationClassUid !== undefined) rq.implementationClassUid = implementationClassUid;
    return rq;
  }
  return { calledAeTitle, callingAeTitle, contexts: results, maxPduLength };
}

function forEachItem(
  b: Buffer,
  from: number,
  what: string,
  each: (type: number, value: Buffer) => void,
): void {
  let at = from;
  while (at < b.length) {
    if (at + 4 > b.length) throw new PduError(`${what}: item header cut at byte ${at}`);
    const type = b[at]!;
    const length = b.readUInt16BE(at + 2);
    if (at + 4 + length > b.length)
      throw new PduError(`${what}: item 0x${hex4(type)} at byte ${at} runs past the end`);
    each(type, b.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
}
