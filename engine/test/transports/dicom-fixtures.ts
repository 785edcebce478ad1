/**
 * Synthetic DICOM instances for the DICOM connector tests: a Secondary Capture image with made-up
 * patient data (the name carries a marker the PHI tests look for), a nested sequence of undefined
 * length before the UIDs (so the key-tag scan must skip it) and pixel data of the size asked for.
 */
import { randomBytes } from "node:crypto";
import {
  dicomString,
  explicitLe,
  implicitLe,
  part10Header,
  TS_EXPLICIT_LE,
  TS_IMPLICIT_LE,
} from "../../src/transports/dicom-dataset.js";

export const SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7";
export const CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2";

export interface Instance {
  /** The whole Part-10 file. */
  file: Buffer;
  /** The dataset part (after the file meta): what travels over DIMSE and must arrive byte-equal. */
  dataset: Buffer;
  sopInstanceUid: string;
  studyUid: string;
  seriesUid: string;
}

let counter = 0;
/** A fresh UID under the 2.25 (UUID) root: unique per call. */
export function newUid(): string {
  const n = BigInt(`0x${randomBytes(15).toString("hex")}`) * 1000n + BigInt(counter++ % 1000);
  return `2.25.${n}`;
}

export function syntheticInstance(
  opts: {
    patientName?: string;
    modality?: string;
    pixelBytes?: number;
    sopClassUid?: string;
    studyUid?: string;
    seriesUid?: string;
    implicit?: boolean;
    /**
     * The Referenced Study Sequence with undefined lengths (default: explicit ones, as DCMTK writes them
     * on the wire and to files — with undefined ones storescu re-encodes and the bytes differ).
     */
    undefinedLengths?: boolean;
  } = {},
): Instance {
  const implicit = opts.implicit ?? false;
  const sopClassUid = opts.sopClassUid ?? SECONDARY_CAPTURE;
  const sopInstanceUid = newUid();
  const studyUid = opts.studyUid ?? newUid();
  const seriesUid = opts.seriesUid ?? newUid();
  const pixelBytes = opts.pixelBytes ?? 4096;
  const columns = 64;
  const rows = Math.max(1, Math.ceil(pixelBytes / columns));
  const el = (g: number, e: number, vr: string, v: Buffer) =>
    implicit ? implicitLe(g, e, v) : explicitLe(g, e, vr, v);
  const str = (g: number, e: number, vr: string, v: string) => el(g, e, vr, dicomString(v, vr));
  const us = (g: number, e: number, v: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    return el(g, e, "US", b);
  };
  const undefinedLength = (g: number, e: number) => {
    const b = Buffer.alloc(implicit ? 8 : 12);
    b.writeUInt16LE(g, 0);
    b.writeUInt16LE(e, 2);
    if (implicit) b.writeUInt32LE(0xffffffff, 4);
    else {
      b.write("SQ", 4, "latin1");
      b.writeUInt32LE(0xffffffff, 8);
    }
    return b;
  };
  const delimiter = (e: number) => {
    const b = Buffer.alloc(8);
    b.writeUInt16LE(0xfffe, 0);
    b.writeUInt16LE(e, 2);
    if (e === 0xe000) b.writeUInt32LE(0xffffffff, 4);
    return b;
  };
  // Referenced Study Sequence with one item.
  const referencedStudy = () => {
    const inner = Buffer.concat([
      str(0x0008, 0x1150, "UI", "1.2.840.10008.3.1.2.3.1"),
      str(0x0008, 0x1155, "UI", newUid()),
    ]);
    if (opts.undefinedLengths)
      return Buffer.concat([
        undefinedLength(0x0008, 0x1110),
        delimiter(0xe000),
        inner,
        delimiter(0xe00d),
        delimiter(0xe0dd),
      ]);
    const item = Buffer.alloc(8);
    item.writeUInt16LE(0xfffe, 0);
    item.writeUInt16LE(0xe000, 2);
    item.writeUInt32LE(inner.length, 4);
    return el(0x0008, 0x1110, "SQ", Buffer.concat([item, inner]));
  };
  const pixels = randomBytes(rows * columns);
  const dataset = Buffer.concat([
    str(0x0008, 0x0016, "UI", sopClassUid),
    str(0x0008, 0x0018, "UI", sopInstanceUid),
    str(0x0008, 0x0020, "DA", "20260101"),
    str(0x0008, 0x0060, "CS", opts.modality ?? "OT"),
    str(0x0008, 0x0064, "CS", "WSD"),
    referencedStudy(),
    str(0x0010, 0x0010, "PN", opts.patientName ?? "TEST^PATIENT"),
    str(0x0010, 0x0020, "LO", "SYN0001"),
    str(0x0020, 0x000d, "UI", studyUid),
    str(0x0020, 0x000e, "UI", seriesUid),
    str(0x0020, 0x0013, "IS", "1"),
    us(0x0028, 0x0002, 1),
    str(0x0028, 0x0004, "CS", "MONOCHROME2"),
    us(0x0028, 0x0010, rows),
    us(0x0028, 0x0011, columns),
    us(0x0028, 0x0100, 8),
    us(0x0028, 0x0101, 8),
    us(0x0028, 0x0102, 7),
    us(0x0028, 0x0103, 0),
    el(0x7fe0, 0x0010, "OB", pixels),
  ]);
  const header = part10Header({
    sopClassUid,
    sopInstanceUid,
    transferSyntaxUid: implicit ? TS_IMPLICIT_LE : TS_EXPLICIT_LE,
  });
  return { file: Buffer.concat([header, dataset]), dataset, sopInstanceUid, studyUid, seriesUid };
}

/** The dataset part of a Part-10 file (everything after the file meta group). */
export { readPart10 } from "../../src/transports/dicom-dataset.js";
