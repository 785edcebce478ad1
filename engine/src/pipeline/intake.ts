/**
 * Intake: the listener-side half of the pipeline. HL7 is decoded (MSH-18), parsed, optionally
 * validated strictly, persisted through the store's group commit, and only then ACKed. Decode, parse
 * and validation failures NAK at once and are still recorded (disposition ERROR): nothing is lost.
 * Other content types are persisted raw and get no HL7 ACK (the HTTP connector answers after commit).
 * A store failure rejects the promise: nothing was committed, so the connector must not ACK.
 */
import {
  type AckCode,
  type AckError,
  buildAck,
  buildNakFromBytes,
  decodeHl7Bytes,
  encodeHl7Text,
  Hl7ParseError,
  type Message,
  parse,
} from "../hl7/index.js";
import type { Disposition, Store } from "../store/index.js";
import { describeError } from "./worker-loop.js";

export const HL7_CONTENT_TYPE = "hl7v2";

export type AckMode = "original" | "enhanced" | "none";

/** One strict-validation finding, shaped for an ERR segment. */
export interface ValidationProblem {
  message: string;
  /** Field path such as `PID-3`. */
  location?: string;
  /** HL7 table 0357 code (default 207). */
  code?: string;
  severity?: "error" | "warning" | "info";
}

export interface InboundOptions {
  /** `hl7v2` (default) or any other content type, persisted raw. */
  contentType?: string;
  /** HL7 ACK mode (default original). */
  ack?: AckMode;
  /**
   * Strict validation (the inbound's `strict` option), e.g. `(m) => validateStrict(m, { version })`.
   * Any problem of severity error (the default) NAKs the message with AE.
   */
  validate?: (msg: Message) => readonly ValidationProblem[];
  /** Blind-index tokens of the message's identifier fields (the inbound's `identifiers` option). */
  identify?: (msg: Message) => readonly string[];
  /** Duplicate detection (the inbound's `duplicates` option); `reject` answers AR instead of AA. */
  dedupe?: { windowMs: number; reject: boolean };
}

export interface IntakeResult {
  /** The ACK or NAK bytes to send back; absent for ACK mode none and for non-HL7 content. */
  reply?: Buffer;
  /**
   * True when the message was committed as RECEIVED — or as DUPLICATE with the `ack` action — (safe
   * to ACK / answer 200 / delete the file).
   */
  accepted: boolean;
  /** RECEIVED, or ERROR for a recorded rejection. */
  disposition: Disposition;
  messageId: number;
  /** Why it was rejected (no message content). */
  error?: string;
}

/** A payload a connector dropped before `receive` (e.g. over its frame-size limit). */
export interface DroppedPayload {
  /** Why, without payload content (e.g. `MLLP frame exceeds the 1048576-byte limit; frame dropped`). */
  message: string;
  /** The first bytes seen: normally the MSH segment, enough to address the NAK. */
  head: Buffer;
}

export interface Intake {
  receive(inbound: string, bytes: Buffer, options?: InboundOptions): Promise<IntakeResult>;
  /** Records a dropped payload as ERROR (counted, nothing lost silently) and returns its AR NAK. */
  dropped(inbound: string, payload: DroppedPayload, options?: InboundOptions): Promise<IntakeResult>;
}

export function createIntake(store: Store): Intake {
  return {
    receive: (inbound, bytes, options = {}) => receive(store, inbound, bytes, options),
    dropped: (inbound, payload, options = {}) => dropped(store, inbound, payload, options),
  };
}

async function dropped(
  store: Store,
  inbound: string,
  payload: DroppedPayload,
  opts: InboundOptions,
): Promise<IntakeResult> {
  const contentType = opts.contentType ?? HL7_CONTENT_TYPE;
  const mode = opts.ack ?? "original";
  let text = "";
  try {
    text = decodeHl7Bytes(payload.head);
  } catch {
    // Undecodable head: the NAK carries no MSA-2, the record keeps the bytes.
  }
  const nak =
    contentType === HL7_CONTENT_TYPE
      ? nakText(text, mode, "reject", { code: "100", message: payload.message })
      : undefined;
  const r = await store.recordRejected({ inbound, raw: payload.head, contentType, error: payload.message });
  const result: IntakeResult = {
    accepted: false,
    disposition: r.disposition,
    messageId: r.messageId,
    error: payload.message,
  };
  if (nak !== undefined) result.reply = encodeHl7Text(nak);
  return result;
}

async function receive(
  store: Store,
  inbound: string,
  bytes: Buffer,
  opts: InboundOptions,
): Promise<IntakeResult> {
  const contentType = opts.contentType ?? HL7_CONTENT_TYPE;
  if (contentType !== HL7_CONTENT_TYPE) {
    const r = await store.enqueueIngress({ inbound, raw: bytes, contentType });
    return { accepted: true, disposition: r.disposition, messageId: r.messageId };
  }
  const mode = opts.ack ?? "original";

  let text: string;
  let msg: Message;
  try {
    text = decodeHl7Bytes(bytes);
  } catch (error) {
    const why = `cannot decode message bytes: ${describeError(error)}`;
    return reject(store, inbound, bytes, undefined, why, nakText("", mode, "reject", { message: why }));
  }
  try {
    msg = parse(text);
  } catch (error) {
    const at = error instanceof Hl7ParseError ? ` at offset ${error.offset}` : "";
    const why = `cannot parse HL7${at}: ${describeError(error)}`;
    return reject(
      store,
      inbound,
      bytes,
      undefined,
      why,
      nakText(text, mode, "reject", { code: "100", message: why }),
    );
  }

  if (opts.validate) {
    let problems: readonly ValidationProblem[];
    try {
      problems = opts.validate(msg).filter((p) => (p.severity ?? "error") === "error");
    } catch (error) {
      problems = [{ message: `strict validation failed: ${describeError(error)}` }];
    }
    const first = problems[0];
    if (first) {
      const more = problems.length > 1 ? ` (+${problems.length - 1} more)` : "";
      const why = `strict validation: ${first.location ? `${first.location}: ` : ""}${first.message}${more}`;
      const err: AckError = { message: first.message, code: first.code ?? "207" };
      if (first.location) err.location = first.location;
      return reject(store, inbound, bytes, msg, why, ackText(msg, mode, "error", err), opts.identify?.(msg));
    }
  }

  const r = await store.enqueueIngress({
    inbound,
    raw: bytes,
    contentType,
    messageType: msg.messageType || undefined,
    controlId: msg.controlId,
    ...identifiersOf(msg, opts),
    ...(opts.dedupe ? { dedupe: { sender: senderOf(msg), windowMs: opts.dedupe.windowMs } } : {}),
  });
  if (r.disposition === "DUPLICATE" && opts.dedupe?.reject) {
    // Recorded (and counted) already; the sender hears it was not taken again.
    const why = `duplicate of message ${r.duplicateOf}`;
    const nak = ackText(msg, mode, "reject", { message: why, code: "205" });
    const result: IntakeResult = {
      accepted: false,
      disposition: r.disposition,
      messageId: r.messageId,
      error: why,
    };
    if (nak !== undefined) result.reply = encodeHl7Text(nak);
    return result;
  }
  // A duplicate answered as accepted: the sender stops resending, the connector finishes as for the original.
  const result: IntakeResult = { accepted: true, disposition: r.disposition, messageId: r.messageId };
  const ack = ackText(msg, mode, "accept");
  if (ack !== undefined) result.reply = encodeHl7Text(ack);
  return result;
}

/** Who sent a message, for duplicate detection: MSH-3 (application) and MSH-4 (facility). */
function senderOf(msg: Message): string {
  return `${msg.get("MSH-3") ?? ""}^${msg.get("MSH-4") ?? ""}`;
}

function identifiersOf(msg: Message, opts: InboundOptions): { identifiers?: readonly string[] } {
  const identifiers = opts.identify?.(msg);
  return identifiers && identifiers.length > 0 ? { identifiers } : {};
}

async function reject(
  store: Store,
  inbound: string,
  bytes: Buffer,
  msg: Message | undefined,
  why: string,
  nak: string | undefined,
  identifiers?: readonly string[],
): Promise<IntakeResult> {
  const r = await store.recordRejected({
    inbound,
    raw: bytes,
    contentType: HL7_CONTENT_TYPE,
    error: why,
    messageType: msg?.messageType || undefined,
    controlId: msg?.controlId,
    ...(identifiers && identifiers.length > 0 ? { identifiers } : {}),
  });
  const result: IntakeResult = {
    accepted: false,
    disposition: r.disposition,
    messageId: r.messageId,
    error: why,
  };
  if (nak !== undefined) result.reply = encodeHl7Text(nak);
  return result;
}

type Outcome = "accept" | "error" | "reject";

function ackCode(mode: "original" | "enhanced", outcome: Outcome): AckCode {
  if (mode === "enhanced") return outcome === "accept" ? "CA" : outcome === "error" ? "CE" : "CR";
  return outcome === "accept" ? "AA" : outcome === "error" ? "AE" : "AR";
}

function ackText(msg: Message, mode: AckMode, outcome: Outcome, error?: AckError): string | undefined {
  if (mode === "none") return undefined;
  return buildAck(msg, { code: ackCode(mode, outcome), mode, ...(error ? { error } : {}) }).encode();
}

function nakText(raw: string, mode: AckMode, outcome: Outcome, error: AckError): string | undefined {
  if (mode === "none") return undefined;
  return buildNakFromBytes(raw, { code: ackCode(mode, outcome), error });
}
