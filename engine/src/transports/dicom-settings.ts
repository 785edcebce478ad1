/** Settings of the DICOM (DIMSE) connectors: typed, defaulted, with errors naming the setting. */
import { type ListenerLimits, readListenerLimits } from "./listener-guard.js";
import { SettingsReader } from "./settings.js";
import type { RawSettings } from "./types.js";

export interface DicomInboundSettings extends ListenerLimits {
  /** Default 0.0.0.0. */
  host: string;
  port: number;
  /** The called AE titles this SCP answers to; an association to another is rejected (reason 7). */
  aeTitles: string[];
  /** Calling AE titles allowed in; undefined = any (reason 3 otherwise). */
  callingAeTitles?: string[];
  /** Storage SOP class UIDs accepted (Verification always is). Default: STORAGE_SOP_CLASSES. */
  sopClasses: string[];
  /** Transfer syntaxes accepted; undefined = the first one proposed (datasets are stored as received). */
  transferSyntaxes?: string[];
  /** Largest instance (dataset + file meta) accepted; a larger one is drained, refused (A700) and recorded. */
  maxBytes: number;
  /** Largest P-DATA PDU we accept (announced in A-ASSOCIATE-AC). Default 64 KiB. */
  maxPduLength: number;
  /** An association with no traffic for this long is aborted; 0 = never. Default 60 s. */
  idleTimeoutMs: number;
  /** stop(): how long in-flight instances get to commit before associations are aborted. */
  stopGraceMs: number;
}

export interface DicomOutboundSettings {
  host: string;
  port: number;
  /** The peer SCP's AE title. */
  calledAeTitle: string;
  /** Ours. Default MEFOR. */
  callingAeTitle: string;
  connectTimeoutMs: number;
  /** For A-ASSOCIATE-AC and each C-STORE-RSP. Default 60 s. */
  responseTimeoutMs: number;
  /** Largest PDU we accept from the peer (announced in A-ASSOCIATE-RQ). */
  maxPduLength: number;
  /** An open association with nothing to send for this long is released. Default 5 s; 0 = after each send. */
  idleReleaseMs: number;
}

/** Largest instance the store takes as one message body (both SQLite and PostgreSQL cap a value near 1 GB). */
export const MAX_INSTANCE_BYTES = 512 * 1024 * 1024;

/** Common storage SOP classes: the default of `sopClasses`. */
export const STORAGE_SOP_CLASSES: readonly string[] = [
  "1.2.840.10008.5.1.4.1.1.1", // Computed Radiography
  "1.2.840.10008.5.1.4.1.1.1.1", // Digital X-Ray for presentation
  "1.2.840.10008.5.1.4.1.1.1.1.1", // Digital X-Ray for processing
  "1.2.840.10008.5.1.4.1.1.1.2", // Digital Mammography for presentation
  "1.2.840.10008.5.1.4.1.1.1.2.1", // Digital Mammography for processing
  "1.2.840.10008.5.1.4.1.1.2", // CT
  "1.2.840.10008.5.1.4.1.1.2.1", // Enhanced CT
  "1.2.840.10008.5.1.4.1.1.3.1", // Ultrasound Multi-frame
  "1.2.840.10008.5.1.4.1.1.4", // MR
  "1.2.840.10008.5.1.4.1.1.4.1", // Enhanced MR
  "1.2.840.10008.5.1.4.1.1.6.1", // Ultrasound
  "1.2.840.10008.5.1.4.1.1.7", // Secondary Capture
  "1.2.840.10008.5.1.4.1.1.12.1", // X-Ray Angiographic
  "1.2.840.10008.5.1.4.1.1.12.2", // X-Ray Radiofluoroscopic
  "1.2.840.10008.5.1.4.1.1.13.1.3", // Breast Tomosynthesis
  "1.2.840.10008.5.1.4.1.1.20", // Nuclear Medicine
  "1.2.840.10008.5.1.4.1.1.88.11", // Basic Text SR
  "1.2.840.10008.5.1.4.1.1.88.22", // Enhanced SR
  "1.2.840.10008.5.1.4.1.1.88.33", // Comprehensive SR
  "1.2.840.10008.5.1.4.1.1.104.1", // Encapsulated PDF
  "1.2.840.10008.5.1.4.1.1.128", // PET
  "1.2.840.10008.5.1.4.1.1.481.1", // RT Image
  "1.2.840.10008.5.1.4.1.1.481.2", // RT Dose
  "1.2.840.10008.5.1.4.1.1.481.3", // RT Structure Set
  "1.2.840.10008.5.1.4.1.1.481.5", // RT Plan
  "1.2.840.10008.5.1.4.1.1.11.1", // Grayscale Softcopy Presentation State
  "1.2.840.10008.5.1.4.1.1.77.1.6", // VL Whole Slide Microscopy
];

const AE = /^[\x20-\x5b\x5d-\x7e]{1,16}$/; // 16 chars of the default repertoire, no backslash
const UID = /^[0-9]+(\.[0-9]+)*$/;

function aeTitle(r: SettingsReader, key: string, v: unknown): string {
  if (typeof v !== "string" || !AE.test(v) || v.trim() === "")
    r.fail(
      key,
      `must be an AE title: 1–16 printable ASCII characters, no backslash (got ${JSON.stringify(v)})`,
    );
  return v.trim();
}

/** A string or a list of strings, each checked. */
function list(
  r: SettingsReader,
  key: string,
  check: (k: string, v: unknown) => string,
): string[] | undefined {
  if (!r.has(key)) return undefined;
  const v = r.raw[key];
  const items = Array.isArray(v) ? v : [v];
  if (items.length === 0) r.fail(key, "must not be empty");
  return items.map((x, i) => check(Array.isArray(v) ? `${key}.${i}` : key, x));
}

function uid(r: SettingsReader, key: string, v: unknown): string {
  if (typeof v !== "string" || !UID.test(v) || v.length > 64)
    r.fail(key, `must be a DICOM UID such as 1.2.840.10008.5.1.4.1.1.2 (got ${JSON.stringify(v)})`);
  return v;
}

export function readDicomInbound(name: string, raw: RawSettings): DicomInboundSettings {
  const r = new SettingsReader(name, raw);
  const aeTitles = list(r, "aeTitle", (k, v) => aeTitle(r, k, v)) ?? r.fail("aeTitle", "is required");
  const s: DicomInboundSettings = {
    ...readListenerLimits(r),
    host: r.str("host", "0.0.0.0"),
    port: r.port(),
    aeTitles,
    sopClasses: list(r, "sopClasses", (k, v) => uid(r, k, v)) ?? [...STORAGE_SOP_CLASSES],
    maxBytes: r.int("maxBytes", { def: 64 * 1024 * 1024, min: 1024, max: MAX_INSTANCE_BYTES }),
    maxPduLength: r.int("maxPduLength", { def: 65_536, min: 4096, max: 16 * 1024 * 1024 }),
    idleTimeoutMs: r.int("idleTimeoutMs", { def: 60_000, min: 0 }),
    stopGraceMs: r.int("stopGraceMs", { def: 5_000, min: 0 }),
  };
  const calling = list(r, "callingAeTitles", (k, v) => aeTitle(r, k, v));
  if (calling) s.callingAeTitles = calling;
  const ts = list(r, "transferSyntaxes", (k, v) => uid(r, k, v));
  if (ts) s.transferSyntaxes = ts;
  return s;
}

export function readDicomOutbound(name: string, raw: RawSettings): DicomOutboundSettings {
  const r = new SettingsReader(name, raw);
  return {
    host: r.str("host"),
    port: r.port(),
    calledAeTitle: aeTitle(r, "calledAeTitle", r.raw.calledAeTitle ?? r.fail("calledAeTitle", "is required")),
    callingAeTitle: r.has("callingAeTitle") ? aeTitle(r, "callingAeTitle", r.raw.callingAeTitle) : "MEFOR",
    connectTimeoutMs: r.int("connectTimeoutMs", { def: 10_000, min: 1 }),
    responseTimeoutMs: r.int("responseTimeoutMs", { def: 60_000, min: 1 }),
    maxPduLength: r.int("maxPduLength", { def: 65_536, min: 4096, max: 16 * 1024 * 1024 }),
    idleReleaseMs: r.int("idleReleaseMs", { def: 5_000, min: 0 }),
  };
}
