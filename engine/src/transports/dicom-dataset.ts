/**
 * DICOM datasets, only as far as the connectors need them (pure, no I/O): the Part-10 file a DICOM
 * message is stored as (128-byte preamble, `DICM`, the file meta group in explicit VR little endian, then
 * the dataset bytes exactly as they came off the wire), and a scan of a dataset's top level for the key
 * tags a router needs (UIDs, Modality). The scan reads tag headers and skips values; it never decodes a
 * name, a date or pixel data, so nothing it returns is patient-identifying beyond UIDs.
 */

export const TS_IMPLICIT_LE = "1.2.840.10008.1.2";
export const TS_EXPLICIT_LE = "1.2.840.10008.1.2.1";
export const TS_DEFLATED_LE = "1.2.840.10008.1.2.1.99";
export const TS_EXPLICIT_BE = "1.2.840.10008.1.2.2";
export const VERIFICATION_SOP_CLASS = "1.2.840.10008.1.1";
/** Our implementation class UID (a UUID-derived 2.25 root, fixed) and version name in file meta and associations. */
export const IMPLEMENTATION_CLASS_UID = "2.25.119634258395813428405651617413384412215";
export const IMPLEMENTATION_VERSION = "MESSAGEFOUNDRY1";

/** What a stored DICOM message says about itself: file meta plus the dataset's key tags. */
export interface DicomKeyTags {
  sopClassUid?: string;
  sopInstanceUid?: string;
  transferSyntaxUid?: string;
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  modality?: string;
  /** The AE title that sent it (file meta Sending AE Title; the association's calling AE). */
  callingAeTitle?: string;
  /** The AE title it was sent to (file meta Receiving AE Title; the association's called AE). */
  calledAeTitle?: string;
}

export interface FileMeta {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  callingAeTitle?: string;
  calledAeTitle?: string;
}

/** A Part-10 file split into its meta and the byte offset where the dataset starts. */
export interface Part10 {
  meta: FileMeta;
  datasetOffset: number;
}

export class DicomFormatError extends Error {
  override name = "DicomFormatError";
}

/** VRs whose explicit-VR header has 2 reserved bytes and a 4-byte length. */
const LONG_VRS = new Set(["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"]);

/** A DICOM string value padded to even length (UIDs with NUL, text with a space). */
export function dicomString(value: string, vr: string): Buffer {
  const b = Buffer.from(value, "latin1");
  if (b.length % 2 === 0) return b;
  return Buffer.concat([b, Buffer.from(vr === "UI" ? [0] : [0x20])]);
}

/** One element in explicit VR little endian. */
export function explicitLe(group: number, element: number, vr: string, value: Buffer): Buffer {
  const long = LONG_VRS.has(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(element, 2);
  head.write(vr, 4, "latin1");
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

/** One element in implicit VR little endian (DIMSE command sets). */
export function implicitLe(group: number, element: number, value: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(element, 2);
  head.writeUInt32LE(value.length, 4);
  return Buffer.concat([head, value]);
}

/** The preamble, `DICM` and the file meta group (group length first) for a dataset with `meta`. */
export function part10Header(meta: FileMeta): Buffer {
  const ui = (e: number, v: string) => explicitLe(0x0002, e, "UI", dicomString(v, "UI"));
  const ae = (e: number, v: string) => explicitLe(0x0002, e, "AE", dicomString(v, "AE"));
  const elements = [
    explicitLe(0x0002, 0x0001, "OB", Buffer.from([0, 1])),
    ui(0x0002, meta.sopClassUid),
    ui(0x0003, meta.sopInstanceUid),
    ui(0x0010, meta.transferSyntaxUid),
    ui(0x0012, IMPLEMENTATION_CLASS_UID),
    explicitLe(0x0002, 0x0013, "SH", dicomString(IMPLEMENTATION_VERSION, "SH")),
  ];
  if (meta.callingAeTitle) elements.push(ae(0x0016, meta.callingAeTitle), ae(0x0017, meta.callingAeTitle));
  if (meta.calledAeTitle) elements.push(ae(0x0018, meta.calledAeTitle));
  const body = Buffer.concat(elements);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length);
  return Buffer.concat([
    Buffer.alloc(128),
    Buffer.from("DICM", "latin1"),
    explicitLe(0x0002, 0x0000, "UL", length),
    body,
  ]);
}

/** Whether `bytes` starts like a Part-10 file (preamble + `DICM`). */
export function isPart10(bytes: Buffer): boolean {
  return bytes.length >= 132 && bytes.toString("latin1", 128, 132) === "DICM";
}

/** Reads a Part-10 file's meta group; throws DicomFormatError naming the byte offset when it is not one. */
export function readPart10(bytes: Buffer): Part10 {
  if (!isPart10(bytes))
    throw new DicomFormatError("not a DICOM Part-10 file: no 'DICM' at byte 128 (a 128-byte preamble first)");
  const values = new Map<number, string>();
  let at = 132;
  while (at + 8 <= bytes.length && bytes.readUInt16LE(at) === 0x0002) {
    const element = bytes.readUInt16LE(at + 2);
    const vr = bytes.toString("latin1", at + 4, at + 6);
    const long = LONG_VRS.has(vr);
    const length = long ? bytes.readUInt32LE(at + 8) : bytes.readUInt16LE(at + 6);
    const start = at + (long ? 12 : 8);
    if (start + length > bytes.length)
      throw new DicomFormatError(`file meta element (0002,${hex4(element)}) at byte ${at} runs past the end`);
    if (vr === "UI" || vr === "AE" || vr === "SH") values.set(element, trimValue(bytes, start, length));
    at = start + length;
  }
  const need = (element: number, what: string): string => {
    const v = values.get(element);
    if (!v) throw new DicomFormatError(`file meta has no ${what} (0002,${hex4(element)})`);
    return v;
  };
  const meta: FileMeta = {
    sopClassUid: need(0x0002, "Media Storage SOP Class UID"),
    sopInstanceUid: need(0x0003, "Media Storage SOP Instance UID"),
    transferSyntaxUid: need(0x0010, "Transfer Syntax UID"),
  };
  const calling = values.get(0x0017) ?? values.get(0x0016);
  if (calling) meta.callingAeTitle = calling;
  const called = values.get(0x0018);
  if (called) meta.calledAeTitle = called;
  return { meta, datasetOffset: at };
}

/** Key tags of a stored DICOM message (a Part-10 file); empty when it is not one. Never throws. */
export function dicomKeyTags(bytes: Buffer): DicomKeyTags {
  let file: Part10;
  try {
    file = readPart10(bytes);
  } catch {
    return {};
  }
  const { meta } = file;
  const tags: DicomKeyTags = {
    sopClassUid: meta.sopClassUid,
    sopInstanceUid: meta.sopInstanceUid,
    transferSyntaxUid: meta.transferSyntaxUid,
  };
  if (meta.callingAeTitle) tags.callingAeTitle = meta.callingAeTitle;
  if (meta.calledAeTitle) tags.calledAeTitle = meta.calledAeTitle;
  // A deflated dataset would have to be inflated first; its meta still names the instance.
  if (meta.transferSyntaxUid === TS_DEFLATED_LE) return tags;
  const found = scanTopLevel(bytes, file.datasetOffset, meta.transferSyntaxUid);
  if (found.studyInstanceUid) tags.studyInstanceUid = found.studyInstanceUid;
  if (found.seriesInstanceUid) tags.seriesInstanceUid = found.seriesInstanceUid;
  if (found.modality) tags.modality = found.modality;
  return tags;
}

const WANTED: ReadonlyMap<number, keyof DicomKeyTags> = new Map([
  [0x00080060, "modality"],
  [0x0020000d, "studyInstanceUid"],
  [0x0020000e, "seriesInstanceUid"],
]);
const LAST_WANTED = 0x0020000e;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;
const UNDEFINED = 0xffffffff;

/**
 * Walks the dataset's top-level elements up to (0020,000E), skipping values (nested sequences of
 * undefined length included), and keeps the wanted ones. A malformed dataset ends the walk quietly.
 */
function scanTopLevel(bytes: Buffer, offset: number, ts: string): Partial<DicomKeyTags> {
  const explicit = ts !== TS_IMPLICIT_LE;
  const big = ts === TS_EXPLICIT_BE;
  const out: Partial<DicomKeyTags> = {};
  const reader = new ElementReader(bytes, explicit, big);
  let at = offset;
  while (at < bytes.length) {
    const el = reader.header(at);
    if (el === undefined || el.tag > LAST_WANTED) break;
    const key = WANTED.get(el.tag);
    if (key !== undefined && el.length !== UNDEFINED) out[key] = trimValue(bytes, el.valueAt, el.length);
    const next = reader.skip(el);
    if (next === undefined) break;
    at = next;
  }
  return out;
}

interface ElementHeader {
  tag: number;
  vr: string | undefined;
  length: number;
  valueAt: number;
}

class ElementReader {
  constructor(
    private readonly b: Buffer,
    private readonly explicit: boolean,
    private readonly big: boolean,
  ) {}

  private u16(at: number): number {
    return this.big ? this.b.readUInt16BE(at) : this.b.readUInt16LE(at);
  }
  private u32(at: number): number {
    return this.big ? this.b.readUInt32BE(at) : this.b.readUInt32LE(at);
  }

  header(at: number): ElementHeader | undefined {
    if (at + 8 > this.b.length) return undefined;
    const tag = ((this.u16(at) << 16) | this.u16(at + 2)) >>> 0;
    // Item and delimiter tags never carry a VR, in any transfer syntax.
    if (tag >>> 16 === 0xfffe || !this.explicit)
      return { tag, vr: undefined, length: this.u32(at + 4), valueAt: at + 8 };
    const vr = this.b.toString("latin1", at + 4, at + 6);
    if (LONG_VRS.has(vr)) {
      if (at + 12 > this.b.length) return undefined;
      return { tag, vr, length: this.u32(at + 8), valueAt: at + 12 };
    }
    return { tag, vr, length: this.u16(at + 6), valueAt: at + 8 };
  }

  /** Offset after the element, or undefined when the data runs out or is malformed. */
  skip(el: ElementHeader, depth = 0): number | undefined {
    if (depth > 32) return undefined;
    if (el.length !== UNDEFINED) {
      const end = el.valueAt + el.length;
      return end <= this.b.length ? end : undefined;
    }
    // Undefined length: a sequence (SQ, or an implicit-VR one), or encapsulated pixel data (OB):
    // walk the items until the sequence delimiter.
    let at = el.valueAt;
    for (;;) {
      const item = this.header(at);
      if (item === undefined) return undefined;
      if (item.tag === SEQUENCE_END) return item.valueAt;
      if (item.tag !== ITEM) return undefined;
      if (item.length !== UNDEFINED) {
        at = item.valueAt + item.length;
        continue;
      }
      at = item.valueAt;
      for (;;) {
        const inner = this.header(at);
        if (inner === undefined) return undefined;
        if (inner.tag === ITEM_END) {
          at = inner.valueAt;
          break;
        }
        const next = this.skip(inner, depth + 1);
        if (next === undefined) return undefined;
        at = next;
      }
    }
  }
}

function trimValue(bytes: Buffer, start: number, length: number): string {
  return bytes
    .toString("latin1", start, start + length)
    .replace(/[\0 ]+$/, "")
    .trim();
}

export function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, "0");
}
