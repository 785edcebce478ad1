/**
 * A positioned structural split of HL7 v2 text: segments → fields → repetitions → components →
 * subcomponents, each with its [start, end) offsets in the text. Separators are read from each MSH
 * (or BHS/FHS), so a batch may mix them. Pure and tolerant: it never throws; odd input yields problems.
 * Used by the parse tree (offsets for reveal/selectOffset) and the diff (aligned values).
 */

export interface Hl7Separators {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

export const DEFAULT_HL7_SEPARATORS: Hl7Separators = {
  field: "|",
  component: "^",
  repetition: "~",
  escape: "\\",
  subcomponent: "&",
};

export interface Span {
  start: number;
  end: number;
  value: string;
}

export interface SubcomponentNode extends Span {
  number: number;
}

export interface ComponentNode extends Span {
  number: number;
  subcomponents: SubcomponentNode[];
}

export interface RepetitionNode extends Span {
  number: number;
  components: ComponentNode[];
}

export interface FieldNode extends Span {
  /** Field number per the standard (for MSH, field 1 is the field separator itself). */
  number: number;
  repetitions: RepetitionNode[];
}

export interface SegmentNode extends Span {
  name: string;
  /** 1-based occurrence of this segment name within its message. */
  occurrence: number;
  fields: FieldNode[];
}

export interface MessageNode extends Span {
  separators: Hl7Separators;
  segments: SegmentNode[];
}

export interface StructureProblem {
  offset: number;
  message: string;
}

export interface Hl7Structure {
  messages: MessageNode[];
  problems: StructureProblem[];
}

const HEADER = /^(MSH|BHS|FHS)/;

function readSeparators(line: string): Hl7Separators {
  const field = line.charAt(3) || "|";
  const enc = line.slice(4).split(field, 1)[0] ?? "";
  return {
    field,
    component: enc.charAt(0),
    repetition: enc.charAt(1),
    escape: enc.charAt(2),
    subcomponent: enc.charAt(3),
  };
}

/** Splits `value` (at `offset` in the text) on `sep`; an empty separator means "not split". */
function split(value: string, offset: number, sep: string): Span[] {
  if (sep === "") return [{ start: offset, end: offset + value.length, value }];
  const out: Span[] = [];
  let pos = 0;
  for (const part of value.split(sep)) {
    out.push({ start: offset + pos, end: offset + pos + part.length, value: part });
    pos += part.length + sep.length;
  }
  return out;
}

function fieldNode(span: Span, number: number, sep: Hl7Separators, atomic: boolean): FieldNode {
  if (atomic) {
    const sub: SubcomponentNode = { ...span, number: 1 };
    const comp: ComponentNode = { ...span, number: 1, subcomponents: [sub] };
    return { ...span, number, repetitions: [{ ...span, number: 1, components: [comp] }] };
  }
  const repetitions = split(span.value, span.start, sep.repetition).map((rep, r) => ({
    ...rep,
    number: r + 1,
    components: split(rep.value, rep.start, sep.component).map((comp, c) => ({
      ...comp,
      number: c + 1,
      subcomponents: split(comp.value, comp.start, sep.subcomponent).map((sub, s) => ({
        ...sub,
        number: s + 1,
      })),
    })),
  }));
  return { ...span, number, repetitions };
}

function segmentNode(line: Span, sep: Hl7Separators, occurrence: number): SegmentNode {
  const name = line.value.slice(0, 3);
  const fields: FieldNode[] = [];
  const header = HEADER.test(line.value);
  if (header) {
    // MSH-1 is the field separator and MSH-2 the encoding characters: neither is split.
    const f1 = { start: line.start + 3, end: line.start + 4, value: line.value.charAt(3) };
    fields.push(fieldNode(f1, 1, sep, true));
    const rest = split(line.value.slice(4), line.start + 4, sep.field);
    rest.forEach((span, i) => {
      fields.push(fieldNode(span, i + 2, sep, i === 0));
    });
  } else {
    const parts = split(line.value, line.start, sep.field).slice(1);
    parts.forEach((span, i) => {
      fields.push(fieldNode(span, i + 1, sep, false));
    });
  }
  return { ...line, name, occurrence, fields };
}

/** Splits text into lines on CR, LF or CRLF, keeping offsets; blank lines are dropped. */
function lines(text: string): Span[] {
  const out: Span[] = [];
  const re = /[^\r\n]+/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push({ start: m.index, end: m.index + m[0].length, value: m[0] });
  }
  return out;
}

export function parseStructure(text: string): Hl7Structure {
  const messages: MessageNode[] = [];
  const problems: StructureProblem[] = [];
  let current: MessageNode | undefined;
  let counts = new Map<string, number>();
  for (const line of lines(text)) {
    const trimmed = line.value.trim();
    if (trimmed === "") continue;
    if (line.value.startsWith("MSH")) {
      current = {
        start: line.start,
        end: line.end,
        value: "",
        separators: readSeparators(line.value),
        segments: [],
      };
      counts = new Map();
      messages.push(current);
    } else if (/^(BHS|FHS|BTS|FTS)/.test(line.value)) {
      // Batch envelopes are not part of any message; neither view shows them.
      continue;
    }
    if (!current) {
      problems.push({
        offset: line.start,
        message: `segment "${line.value.slice(0, 3)}" before any MSH segment`,
      });
      continue;
    }
    if (!/^[A-Z][A-Z0-9]{2}$/.test(line.value.slice(0, 3))) {
      problems.push({ offset: line.start, message: `"${line.value.slice(0, 3)}" is not a segment name` });
    }
    const name = line.value.slice(0, 3);
    const occurrence = (counts.get(name) ?? 0) + 1;
    counts.set(name, occurrence);
    current.segments.push(segmentNode(line, current.separators, occurrence));
    current.end = line.end;
  }
  for (const m of messages) m.value = text.slice(m.start, m.end);
  if (messages.length === 0 && text.trim() !== "") {
    // One clear problem instead of one per line.
    return { messages, problems: [{ offset: 0, message: "no MSH segment: this is not an HL7 v2 message" }] };
  }
  return { messages, problems };
}
