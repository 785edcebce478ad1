/**
 * Header fields of an interchange without a full parse (intake and delivery metadata): ISA-13 and the
 * first transaction set's ST-01. Reads the separators from the ISA, then looks only for the first ST.
 */
import { findIsa } from "./parse.js";
import { readIsa } from "./separators.js";

export interface X12Header {
  /** ISA-13, trimmed. */
  controlNumber: string;
  /** ST-01 of the first transaction set (`270`), when there is one. */
  transactionType?: string;
  /** ISA-12, e.g. `00501`. */
  version: string;
}

/** The header of the first interchange in `text`, or undefined when it has no usable ISA. */
export function peekX12(text: string): X12Header | undefined {
  const at = findIsa(text);
  if (at < 0) return undefined;
  let isa: ReturnType<typeof readIsa>;
  try {
    isa = readIsa(text, at);
  } catch {
    return undefined;
  }
  const { element, segment } = isa.separators;
  const isaText = text.slice(at, isa.terminatorAt);
  const out: X12Header = { controlNumber: (isaText.split(element)[13] ?? "").trim(), version: isa.version };
  // The first "ST" + separator that starts a segment (after a terminator and any line break).
  for (
    let i = text.indexOf(`ST${element}`, isa.terminatorAt);
    i >= 0;
    i = text.indexOf(`ST${element}`, i + 1)
  ) {
    let p = i - 1;
    while (p > isa.terminatorAt && (text[p] === "\r" || text[p] === "\n") && text[p] !== segment) p--;
    if (text[p] !== segment) continue;
    const end = text.indexOf(element, i + 3);
    const stop = text.indexOf(segment, i + 3);
    const type = text.slice(
      i + 3,
      [end, stop].filter((n) => n >= 0).reduce((a, b) => Math.min(a, b), text.length),
    );
    if (type) out.transactionType = type;
    break;
  }
  return out;
}

/** `peekX12` over the first 4 KiB of a payload (the header is ASCII; no decode of the whole body). */
export function peekX12Bytes(bytes: Uint8Array): X12Header | undefined {
  return peekX12(new TextDecoder("latin1").decode(bytes.subarray(0, Math.min(bytes.length, 4096))));
}
