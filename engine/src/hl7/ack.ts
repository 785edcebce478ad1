/**
 * ACK/NAK builder. The ACK answers in the inbound's own dialect: same separators, version and
 * processing id echoed, sender and receiver swapped (MSH-3/4 ↔ MSH-5/6), MSA-2 = the inbound
 * MSH-10, and an ERR segment shaped for the version (ERR-1 before 2.5, ERR-2/3/4 from 2.5 on).
 */
import { Hl7EditError } from "./errors.js";
import type { Message } from "./message.js";
import { parse } from "./parse.js";
import { parseFieldPath } from "./path.js";
import { DEFAULT_SEPARATORS, encodingCharacters, type Separators } from "./separators.js";

/** Original mode: AA/AE/AR. Enhanced mode accept acknowledgments: CA/CE/CR. */
export type AckCode = "AA" | "AE" | "AR" | "CA" | "CE" | "CR";

export interface AckError {
  /** Where the problem is, as a field path (`PID-3`) or a prebuilt ERL (`PID^1^3`). */
  location?: string;
  /** HL7 table 0357 code; default 207 (application internal error), 0 for AA/CA. */
  code?: string;
  message: string;
  /** ERR-4 severity (v2.5+): E error, W warning, I information; default E. */
  severity?: "E" | "W" | "I";
}

export interface AckOptions {
  code: AckCode;
  /** Defaults from the code: C* codes are enhanced-mode accept ACKs. C* codes are refused in original mode. */
  mode?: "original" | "enhanced";
  /** MSA-3 text message. */
  text?: string;
  error?: AckError;
  /** MSH-10 of the ACK itself (default: a fresh, unique id). */
  controlId?: string;
  /** MSH-7 of the ACK (default: now). */
  timestamp?: Date;
}

/** Builds the acknowledgment for an inbound message. */
export function buildAck(msg: Message, opts: AckOptions): Message {
  const mode = opts.mode ?? (opts.code.startsWith("C") ? "enhanced" : "original");
  if (mode === "original" && opts.code.startsWith("C")) {
    throw new Hl7EditError(`ACK code ${opts.code} belongs to enhanced mode, not original mode`, "MSA-1");
  }
  const sep = usable(msg.separators) ? msg.separators : DEFAULT_SEPARATORS;
  const sameSep = sep === msg.separators;
  const version = msg.get("MSH-12.1") ?? "";
  const ack = parse(`MSH${sep.field}${encodingCharacters(sep)}\rMSA\r`);
  const copy = (from: string, to: string): void => {
    const v = rawField(msg, from, sameSep);
    if (v) ack.setRaw(to, v);
  };
  copy("MSH-5", "MSH-3");
  copy("MSH-6", "MSH-4");
  copy("MSH-3", "MSH-5");
  copy("MSH-4", "MSH-6");
  ack.set("MSH-7", formatTimestamp(opts.timestamp ?? new Date(), version));
  const trigger = msg.get("MSH-9.2") ?? "";
  if (trigger !== "" && versionAtLeast(version, 2, 3)) {
    ack.set("MSH-9.1", "ACK");
    ack.set("MSH-9.2", trigger);
    if (versionAtLeast(version, 2, 3, 1)) ack.set("MSH-9.3", "ACK");
  } else {
    ack.set("MSH-9", "ACK");
  }
  ack.set("MSH-10", opts.controlId ?? newControlId());
  copy("MSH-11", "MSH-11");
  copy("MSH-12", "MSH-12");
  copy("MSH-18", "MSH-18");
  ack.set("MSA-1", opts.code);
  const inboundId = rawField(msg, "MSH-10", sameSep);
  if (inboundId) ack.setRaw("MSA-2", inboundId);
  if (opts.text !== undefined) ack.set("MSA-3", opts.text);
  if (opts.error) addErr(ack, opts.error, opts.code, version);
  return ack;
}

/**
 * `buildAck(msg, opts).encode()` for the answer intake sends to nearly every message — no MSA-3 text,
 * no ERR, the inbound's own separators — written as text directly: the general builder parses a
 * template and edits it field by field (~7 µs a message), this is one pass over the header. Byte for
 * byte the same (a property test holds the two together); anything else goes to the general builder.
 */
export function buildAckText(msg: Message, opts: AckOptions): string {
  const general = () => buildAck(msg, opts).encode();
  const sep = msg.separators;
  const msh = msg.segments("MSH")[0];
  if (opts.text !== undefined || opts.error !== undefined || !msh || !usable(sep)) return general();
  if (opts.code.startsWith("C") && opts.mode === "original") return general(); // it throws the error
  const plain = (v: string) =>
    !has(v, sep.component) && !has(v, sep.repetition) && !has(v, sep.escape) && !has(v, sep.subcomponent);
  const raw = (n: number) => msh.field(n) ?? "";
  // MSH-12.1 and MSH-9.2 as `get` reads them (unescaped): only a value with no escape is the same raw.
  const versionField = raw(12);
  const version = firstPart(firstPart(versionField, sep.repetition), sep.component);
  const typeField = raw(9);
  const type1 = firstPart(typeField, sep.repetition);
  const at = type1.indexOf(sep.component);
  const trigger = at < 0 ? "" : firstPart(type1.slice(at + 1), sep.component);
  if (!plain(version) || !plain(trigger) || has(typeField, sep.escape)) return general();
  if (opts.controlId !== undefined && !plain(opts.controlId)) return general();
  const controlId = opts.controlId ?? newControlId();
  const v23 = versionAtLeast(version, 2, 3);
  let type = "ACK";
  if (trigger !== "" && v23) {
    type = `ACK${sep.component}${trigger}${versionAtLeast(version, 2, 3, 1) ? `${sep.component}ACK` : ""}`;
  }
  const fields = [
    raw(5),
    raw(6),
    raw(3),
    raw(4),
    stamp(opts.timestamp ?? new Date(), v23),
    "",
    type,
    controlId,
    raw(11),
    versionField,
    "",
    "",
    "",
    "",
    "",
    raw(18),
  ];
  // Fields after MSH-10 are written only up to the last one that has a value.
  let last = fields.length;
  while (last > 8 && fields[last - 1] === "") last--;
  const f = sep.field;
  const header = `MSH${f}${encodingCharacters(sep)}${f}${fields.slice(0, last).join(f)}`;
  const inboundId = raw(10);
  return `${header}\rMSA${f}${opts.code}${inboundId !== "" ? `${f}${inboundId}` : ""}\r`;
}

/** Whether `text` holds `c`; an absent separator ("") counts as held, so such a header goes the general way. */
function has(text: string, c: string): boolean {
  return c === "" || text.includes(c);
}

function firstPart(text: string, separator: string): string {
  const at = separator === "" ? -1 : text.indexOf(separator);
  return at < 0 ? text : text.slice(0, at);
}

/** Options for a NAK when the inbound could not be parsed at all. */
export interface NakOptions {
  /** Default AR (rejected). */
  code?: AckCode;
  text?: string;
  error?: AckError;
  controlId?: string;
  timestamp?: Date;
  /** MSH-12 when the inbound's own version cannot be read (default 2.5). */
  version?: string;
}

/**
 * Best-effort NAK text for raw input that could not be read: echoes whatever header fields can still
 * be found, otherwise answers with conventional separators. Never throws on bad input.
 */
export function buildNakFromBytes(raw: string, opts: NakOptions = {}): string {
  const code = opts.code ?? "AR";
  const ackOpts: AckOptions = { code };
  if (opts.text !== undefined) ackOpts.text = opts.text;
  if (opts.error !== undefined) ackOpts.error = opts.error;
  if (opts.controlId !== undefined) ackOpts.controlId = opts.controlId;
  if (opts.timestamp !== undefined) ackOpts.timestamp = opts.timestamp;
  try {
    const msg = parse(raw);
    if (usable(msg.separators)) {
      if (!msg.get("MSH-12") && opts.version) msg.set("MSH-12", opts.version);
      return buildAck(msg, ackOpts).encode();
    }
  } catch {
    // fall through: no readable header at all
  }
  const d = DEFAULT_SEPARATORS;
  const stub = parse(`MSH${d.field}${encodingCharacters(d)}\r`);
  stub.set("MSH-12", opts.version ?? "2.5");
  return buildAck(stub, ackOpts).encode();
}

function addErr(ack: Message, err: AckError, code: AckCode, version: string): void {
  const errCode = err.code ?? (code === "AA" || code === "CA" ? "0" : "207");
  const erl = err.location ? toErl(err.location) : undefined;
  if (versionAtLeast(version, 2, 5)) {
    ack.addSegment("ERR");
    if (erl) for (const [i, part] of erl.entries()) ack.set(`ERR-2.${i + 1}`, part);
    ack.set("ERR-3.1", errCode);
    ack.set("ERR-3.2", err.message);
    ack.set("ERR-3.3", "HL70357");
    ack.set("ERR-4", err.severity ?? "E");
  } else {
    // ERR-1 (ELD): segment^sequence^field^code&text&table.
    const seg = ack.addSegment("ERR");
    if (erl) for (const [i, part] of erl.slice(0, 3).entries()) seg.set(`1.${i + 1}`, part);
    seg.set("1.4.1", errCode);
    seg.set("1.4.2", err.message);
    seg.set("1.4.3", "HL70357");
  }
}

/** `PID-3[2].1` → [PID, 1, 3, 2, 1]; a location that is not a field path is passed through as given. */
function toErl(location: string): string[] {
  try {
    const p = parseFieldPath(location);
    const parts = [p.segment, String(p.segmentIndex ?? 1), String(p.field)];
    if (p.repetition !== undefined || p.component !== undefined) parts.push(String(p.repetition ?? 1));
    if (p.component !== undefined) parts.push(String(p.component));
    if (p.subcomponent !== undefined) parts.push(String(p.subcomponent));
    return parts;
  } catch {
    return [location];
  }
}

function rawField(msg: Message, path: string, sameSep: boolean): string | undefined {
  const seg = msg.segments("MSH")[0];
  const v = seg?.field(Number(path.slice(4)));
  if (v === undefined || v === "") return undefined;
  // With different separators only the plain text of the first component can be carried over.
  return sameSep ? v : (msg.get(`${path}.1`) ?? undefined);
}

function usable(s: Separators): boolean {
  return s.field !== "" && s.field !== "\r" && s.field !== "\n" && s.component !== "";
}

/** Compares a version string like `2.3.1` against major.minor[.patch]. */
export function versionAtLeast(version: string, major: number, minor: number, patch = 0): boolean {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!m) return true; // unknown version: answer in the current style
  const v = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  const w = [major, minor, patch];
  for (let i = 0; i < 3; i++) if (v[i] !== w[i]) return v[i]! > w[i]!;
  return true;
}

/** The last second's timestamp text (DTM to the second): ACKs within a second share it. */
let lastStamp = { second: Number.NaN, text: "" };

function formatTimestamp(d: Date, version: string): string {
  return stamp(d, versionAtLeast(version, 2, 3));
}

/** MSH-7 of an ACK: with the zone offset from v2.3 on (`zoned`); older receivers get bare UTC. */
function stamp(d: Date, zoned: boolean): string {
  const second = Math.floor(d.getTime() / 1000);
  const ts = second === lastStamp.second ? lastStamp.text : utcSeconds(d, second);
  return zoned ? `${ts}+0000` : ts;
}

function utcSeconds(d: Date, second: number): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const ts =
    p(d.getUTCFullYear(), 4) +
    p(d.getUTCMonth() + 1) +
    p(d.getUTCDate()) +
    p(d.getUTCHours()) +
    p(d.getUTCMinutes()) +
    p(d.getUTCSeconds());
  lastStamp = { second, text: ts };
  return ts;
}

let counter = 0;
/** The last millisecond's base-36 text: ACKs within a millisecond share it. */
let lastMs = { ms: Number.NaN, text: "" };
function newControlId(): string {
  counter = (counter + 1) % 1296;
  const ms = Date.now();
  if (ms !== lastMs.ms) lastMs = { ms, text: ms.toString(36).toUpperCase() };
  return `A${lastMs.text}${counter.toString(36).toUpperCase().padStart(2, "0")}`;
}
