/**
 * Bytes → text per MSH-18. Framing happens on bytes first; only then is the payload decoded, with the
 * character set the message itself declares. Default (MSH-18 empty or ASCII) is UTF-8; a payload that
 * is not valid UTF-8 and declares nothing falls back to Latin-1 so no byte is ever lost.
 */

const LATIN1 = "latin1";

/** HL7 table 0211 names → WHATWG/Node encodings we can decode. */
const CHARSETS: Record<string, string> = {
  ASCII: "utf-8",
  "UNICODE UTF-8": "utf-8",
  "UTF-8": "utf-8",
  "8859/1": LATIN1,
  "8859/2": "iso-8859-2",
  "8859/3": "iso-8859-3",
  "8859/4": "iso-8859-4",
  "8859/5": "iso-8859-5",
  "8859/6": "iso-8859-6",
  "8859/7": "iso-8859-7",
  "8859/8": "iso-8859-8",
  "8859/9": "windows-1254",
  "8859/15": "iso-8859-15",
  "UNICODE UTF-16": "utf-16le",
};

/** The encoding name for an MSH-18 value, or undefined when unknown. */
export function charsetFor(msh18: string): string | undefined {
  return CHARSETS[msh18.trim().toUpperCase()];
}

const utf8Strict = new TextDecoder("utf-8", { fatal: true });

/** Decodes one framed HL7 payload according to its MSH-18. */
export function decodeHl7Bytes(bytes: Buffer): string {
  const declared = readMsh18(bytes);
  const enc = declared === undefined || declared === "" ? undefined : charsetFor(declared);
  if (enc === LATIN1) return bytes.toString("latin1");
  if (enc !== undefined && enc !== "utf-8") {
    try {
      return new TextDecoder(enc).decode(bytes);
    } catch {
      return bytes.toString("latin1");
    }
  }
  if (isAscii(bytes)) return bytes.toString("latin1"); // fastest exact path for pure ASCII
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return bytes.toString("latin1");
  }
}

/** Encodes text for the wire with the charset its MSH-18 declares (UTF-8 by default). */
export function encodeHl7Text(text: string): Buffer {
  const enc = charsetFor(readMsh18(Buffer.from(text.slice(0, 2048), "latin1")) ?? "");
  if (enc === LATIN1) return Buffer.from(text, "latin1");
  if (enc === "utf-16le") return Buffer.from(text, "utf16le");
  return Buffer.from(text, "utf8");
}

function isAscii(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i]! > 0x7f) return false;
  return true;
}

/** Reads MSH-18 straight from the bytes (the header is ASCII in every supported charset). */
function readMsh18(bytes: Buffer): string | undefined {
  let at = bytes.indexOf("MSH");
  if (at < 0 || at + 5 >= bytes.length) return undefined;
  const fs = bytes[at + 3]!;
  const compSep = bytes[at + 4]!;
  const repSep = bytes[at + 5]!;
  // MSH-1 is the separator itself, so MSH-18 follows the 17th separator after "MSH".
  let count = 0;
  at += 3;
  while (at < bytes.length) {
    const c = bytes[at]!;
    if (c === 13 || c === 10) return undefined;
    if (c === fs && ++count === 17) break;
    at++;
  }
  if (count < 17) return undefined;
  const start = at + 1;
  let end = start;
  while (end < bytes.length) {
    const c = bytes[end]!;
    if (c === fs || c === 13 || c === 10) break;
    end++;
  }
  // Only the first repetition's first component names the charset (separators as MSH-2 declares them).
  const comp = compSep === fs ? -1 : bytes.indexOf(compSep, start);
  const rep = repSep === fs ? -1 : bytes.indexOf(repSep, start);
  let stop = end;
  if (comp >= 0 && comp < stop) stop = comp;
  if (rep >= 0 && rep < stop) stop = rep;
  return bytes.toString("latin1", start, stop);
}
