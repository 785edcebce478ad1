/**
 * Intake: the listener-side half of the pipeline. HL7 is decoded (MSH-18), parsed, optionally
 * validated strictly, persisted through the store's group commit, and only then ACKed. Decode, parse
 * and validation failures NAK at once and are still recorded (disposition ERROR): nothing is lost.
 * Other content types are persisted raw and get no HL7 ACK (the HTTP connector answers after commit).
 * A store failure rejects the promise: nothing was committed, so the connector must not ACK. While the
 * store is unavailable (PostgreSQL restarting, the network to it cut) intake holds the frame and
 * retries the commit for `storeWaitMs`, then rejects with StoreUnavailableError (store-outage.ts):
 * the connector closes without a reply and the sender resends. A NAK would be final and lose it.
 */
import {
  type AckCode,
  type AckError,
  buildAckText,
  buildNakFromBytes,
  decodeHl7Bytes,
  encodeHl7Text,
  Hl7ParseError,
  type Message,
  parse,
} from "../hl7/index.js";
import type { Disposition, Store } from "../store/index.js";
import { peekX12Bytes } from "../x12/index.js";
import { holdWhileUnavailable } from "./store-outage.js";
import { type PipelineLog, silentLog } from "./types.js";
import { describeError } from "./worker-loop.js";

/** How long intake holds a frame while the store is unavailable, by default (per listener: `storeWaitMs`). */
export const DEFAULT_STORE_WAIT_MS = 30_000;

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
  /** How long to hold the payload while the store is unavailable (default: the intake's, 30 s). */
  storeWaitMs?: number;
  /** Blind-index tokens of the message's identifier fields (the inbound's `identifiers` option). */
  identify?: (msg: Message) => readonly string[];
  /** Duplicate detection (the inbound's `duplicates` option); `reject` answers AR instead of AA. */
  dedupe?: { windowMs: number; reject: boolean };
}

export interface IntakeOptions {
  /** Default hold while the store is unavailable (DEFAULT_STORE_WAIT_MS); a listener may override it. */
  storeWaitMs?: number;
  /** Where the store outage is logged (once per outage). */
  log?: PipelineLog;
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

export function createIntake(store: Store, intakeOpts: IntakeOptions = {}): Intake {
  const log = intakeOpts.log ?? silentLog;
  const defaultWait = intakeOpts.storeWaitMs ?? DEFAULT_STORE_WAIT_MS;
  // The store as intake sees it: both writes wait out an outage (up to the listener's storeWaitMs).
  const held = (options: InboundOptions): IntakeWrites => {
    const waitMs = options.storeWaitMs ?? defaultWait;
    return {
      enqueueIngress: (input) => holdWhileUnavailable(store, () => store.enqueueIngress(input), waitMs, log),
      recordRejected: (input) => holdWhileUnavailable(store, () => store.recordRejected(input), waitMs, log),
    };
  };
  return {
    receive: (inbound, bytes, options = {}) => receive(held(options), inbound, bytes, options),
    dropped: (inbound, payload, options = {}) => dropped(held(options), inbound, payload, options),
  };
}

/** The two store writes intake makes. */
type IntakeWrites = Pick<Store, "enqueueIngress" | "recordRejected">;

async function dropped(
  store: IntakeWrites,
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
  store: IntakeWrites,
  inbound: string,
  bytes: Buffer,
  opts: InboundOptions,
): Promise<IntakeResult> {
  const contentType = opts.contentType ?? HL7_CONTENT_TYPE;
  if (contentType !== HL7_CONTENT_TYPE) {
    // X12: the first set's type (270) and ISA-13 label the message, as MSH-9/MSH-10 do for HL7.
    const x12 = contentType === "x12" ? x12Labels(bytes) : {};
    const r = await store.enqueueIngress({ inbound, raw: bytes, contentType, ...x12 });
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

/** ST-01 and ISA-13 of an interchange (its header only; no full parse on intake). */
function x12Labels(bytes: Buffer): { messageType?: string; controlId?: string } {
  const head = peekX12Bytes(bytes);
  if (!head) return {};
  return {
    ...(head.transactionType ? { messageType: head.transactionType } : {}),
    ...(head.controlNumber ? { controlId: head.controlNumber } : {}),
  };
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
  store: IntakeWrites,
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
  return buildAckText(msg, { code: ackCode(mode, outcome), mode, ...(error ? { error } : {}) });
}

function nakText(raw: string, mode: AckMode, outcome: Outcome, error: AckError): string | undefined {
  if (mode === "none") return undefined;
  return buildNakFromBytes(raw, { code: ackCode(mode, outcome), error });
}
