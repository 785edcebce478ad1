/**
 * HL7 escape sequences. Reading unescapes \F\ \S\ \T\ \R\ \E\ \Xhh..\ and \.br\; the
 * highlighting pair \H\ \N\ and anything unknown are kept verbatim as text, so nothing is lost.
 * Writing escapes every separator and the escape character itself.
 */
import type { Separators } from "./separators.js";

/** Decodes escape sequences in one leaf value. Fast path: no escape character, no work. */
export function unescapeValue(value: string, sep: Separators): string {
  const esc = sep.escape;
  if (esc === "" || value.indexOf(esc) < 0) return value;
  let out = "";
  let pos = 0;
  while (pos < value.length) {
    const open = value.indexOf(esc, pos);
    if (open < 0) break;
    const close = value.indexOf(esc, open + 1);
    if (close < 0) break; // a lone escape character is kept as text
    out += value.slice(pos, open);
    const body = value.slice(open + 1, close);
    const decoded = decodeSequence(body, sep);
    out += decoded ?? value.slice(open, close + 1);
    pos = close + 1;
  }
  return out + value.slice(pos);
}

function decodeSequence(body: string, sep: Separators): string | undefined {
  switch (body) {
    case "F":
      return sep.field;
    case "S":
      return sep.component;
    case "T":
      return sep.subcomponent;
    case "R":
      return sep.repetition;
    case "E":
      return sep.escape;
    case "P":
      return sep.truncation || undefined;
    case ".br":
      return "\r";
  }
  if (body.length > 1 && (body[0] === "X" || body[0] === "x") && body.length % 2 === 1) {
    const hex = body.slice(1);
    if (!/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
    let s = "";
    for (let i = 0; i < hex.length; i += 2)
      s += String.fromCharCode(Number.parseInt(hex.slice(i, i + 2), 16));
    return s;
  }
  return undefined; // \H\, \N\, \Zxx\ and unknown sequences stay as written
}

/** Escapes a plain value so it can be written as one leaf. Line breaks become \.br\. */
export function escapeValue(value: string, sep: Separators): string {
  if (!needsEscape(value, sep)) return value;
  let out = "";
  const e = sep.escape;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charAt(i);
    if (e === "") out += ch;
    else if (ch === e) out += `${e}E${e}`;
    else if (ch === sep.field) out += `${e}F${e}`;
    else if (ch === sep.component) out += `${e}S${e}`;
    else if (ch === sep.subcomponent) out += `${e}T${e}`;
    else if (ch === sep.repetition) out += `${e}R${e}`;
    else if (ch === sep.truncation) out += `${e}P${e}`;
    else if (ch === "\r" || ch === "\n") {
      if (ch === "\r" && value.charAt(i + 1) === "\n") i++;
      out += `${e}.br${e}`;
    } else out += ch;
  }
  return out;
}

function needsEscape(value: string, sep: Separators): boolean {
  for (let i = 0; i < value.length; i++) {
    const ch = value.charAt(i);
    if (
      ch === sep.field ||
      ch === sep.component ||
      ch === sep.repetition ||
      ch === sep.escape ||
      ch === sep.subcomponent ||
      ch === sep.truncation ||
      ch === "\r" ||
      ch === "\n"
    )
      return true;
  }
  return false;
}
