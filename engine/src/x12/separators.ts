/**
 * Delimiters of an interchange, read from its ISA: the element separator is the character after
 * "ISA", the component separator is ISA-16 and the segment terminator the character after it;
 * ISA-11 is the repetition separator from version 00501 on (in 00401 and before it is the standards
 * identifier, usually `U`, and there is no repetition separator).
 */
import { X12ParseError } from "./errors.js";
import type { X12Issue } from "./issues.js";

export interface X12Separators {
  element: string;
  component: string;
  /** Absent before 00501 (ISA-11 is then the standards identifier). */
  repetition?: string;
  /** The segment terminator; CR/LF after it are line breaks between segments, kept on re-encode. */
  segment: string;
}

export interface IsaHeader {
  separators: X12Separators;
  /** ISA-12, e.g. `00501`. */
  version: string;
  /** Offset of the segment terminator that ends the ISA. */
  terminatorAt: number;
  issues: X12Issue[];
}

/** The fixed width of an ISA segment, terminator included. */
export const ISA_LENGTH = 106;

const isAlnum = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9]$/.test(c);

/** Reads the separators of the ISA starting at `at`; throws when no usable ISA is there. */
export function readIsa(text: string, at: number): IsaHeader {
  const issues: X12Issue[] = [];
  const element = text[at + 3];
  if (element === undefined || isAlnum(element) || element === " " || element === "\r" || element === "\n")
    throw new X12ParseError(`ISA at offset ${at} has no element separator after "ISA"`, at, "X12_BAD_ISA");
  // Walk the 16 element separators (tolerating senders that trim the fixed-width elements).
  const elementStarts: number[] = [];
  let i = at + 3;
  const limit = Math.min(text.length, at + 400);
  while (elementStarts.length < 16 && i < limit) {
    if (text[i] === element) elementStarts.push(i + 1);
    i++;
  }
  const isa16 = elementStarts[15];
  if (isa16 === undefined || isa16 + 1 >= text.length)
    throw new X12ParseError(
      `ISA at offset ${at} is cut short: it needs 16 elements and a segment terminator`,
      at,
      "X12_BAD_ISA",
    );
  const component = text[isa16] as string;
  const terminatorAt = isa16 + 1;
  const segment = text[terminatorAt] as string;
  if (terminatorAt - at !== ISA_LENGTH - 1)
    issues.push({
      code: "X12_ISA_WIDTH",
      severity: "warning",
      message: `ISA is ${terminatorAt - at + 1} characters long, not the fixed ${ISA_LENGTH}`,
      offset: at,
      length: terminatorAt - at + 1,
    });
  if (isAlnum(segment) || segment === element || segment === component)
    throw new X12ParseError(
      `ISA at offset ${at}: "${segment}" after ISA-16 cannot be a segment terminator`,
      terminatorAt,
      "X12_BAD_ISA",
    );
  const value = (n: number): string =>
    text.slice(elementStarts[n - 1] as number, (elementStarts[n] ?? terminatorAt + 1) - 1);
  const version = value(12);
  const separators: X12Separators = { element, component, segment };
  const isa11 = value(11);
  if (version >= "00501") {
    const ok = isa11.length === 1 && !isAlnum(isa11) && ![element, component, segment].includes(isa11);
    if (ok) separators.repetition = isa11;
    else
      issues.push({
        code: "X12_REPETITION_SEPARATOR",
        severity: "warning",
        message: `ISA-11 "${isa11}" is not a usable repetition separator for version ${version}; repetitions are not split`,
        offset: elementStarts[10] as number,
        length: isa11.length,
      });
  }
  return { separators, version, terminatorAt, issues };
}
