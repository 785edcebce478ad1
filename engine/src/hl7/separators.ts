/**
 * Separators are read from each message's MSH-1/MSH-2, never assumed. A character MSH-2 does not
 * declare is the empty string: that level is then simply not split.
 */
export interface Separators {
  readonly field: string;
  readonly component: string;
  readonly repetition: string;
  readonly escape: string;
  readonly subcomponent: string;
  /** v2.7+ truncation character (5th MSH-2 character), empty when absent. */
  readonly truncation: string;
}

/** The conventional `|^~\&` set; used only to build brand-new messages (ACKs for unreadable input). */
export const DEFAULT_SEPARATORS: Separators = Object.freeze({
  field: "|",
  component: "^",
  repetition: "~",
  escape: "\\",
  subcomponent: "&",
  truncation: "",
});

/**
 * Reads separators from a header segment (MSH, BHS or FHS) starting at `start` in `text`.
 * Returns the separators and the offset just after MSH-2 (where MSH-3's separator sits).
 */
export function readSeparators(text: string, start: number): { separators: Separators; msh2End: number } {
  const field = text.charAt(start + 3);
  let end = start + 4;
  // MSH-2 runs to the next field separator or the end of the line.
  while (end < text.length) {
    const c = text.charCodeAt(end);
    if (c === 13 || c === 10 || text[end] === field) break;
    end++;
  }
  const enc = text.slice(start + 4, end);
  return {
    separators: {
      field,
      component: enc.charAt(0),
      repetition: enc.charAt(1),
      escape: enc.charAt(2),
      subcomponent: enc.charAt(3),
      truncation: enc.charAt(4),
    },
    msh2End: end,
  };
}

/** The MSH-2 text for a separator set (component, repetition, escape, subcomponent[, truncation]). */
export function encodingCharacters(s: Separators): string {
  return s.component + s.repetition + s.escape + s.subcomponent + s.truncation;
}
