/**
 * The parse tree: every segment, field, repetition, component and subcomponent with its start/end
 * offsets, for the parse-tree view and the language server. Built on demand from the lazily indexed
 * segments, so the hot path (get/set) never pays for it.
 */
import type { Segment } from "./segment.js";
import type { Separators } from "./separators.js";

export interface Hl7Node {
  /** Offset of the first character. */
  readonly start: number;
  /** Offset just past the last character. */
  readonly end: number;
  /** The node's encoded (still escaped) text. */
  readonly value: string;
}
export interface SubcomponentNode extends Hl7Node {
  readonly index: number;
}
export interface ComponentNode extends Hl7Node {
  readonly index: number;
  readonly subcomponents: SubcomponentNode[];
}
export interface RepetitionNode extends Hl7Node {
  readonly index: number;
  readonly components: ComponentNode[];
}
export interface FieldNode extends Hl7Node {
  /** Field number per the standard (MSH-1 is the field separator). */
  readonly index: number;
  readonly repetitions: RepetitionNode[];
}
export interface SegmentNode extends Hl7Node {
  readonly name: string;
  /** 0-based position of the segment in the message. */
  readonly position: number;
  /** 1-based occurrence among segments of the same name (`OBX[2]`). */
  readonly occurrence: number;
  readonly fields: FieldNode[];
}
export interface MessageNode {
  readonly start: number;
  readonly end: number;
  readonly separators: Separators;
  readonly segments: SegmentNode[];
}

/** @internal Used by Message.tree(). */
export function buildTree(
  segs: readonly Segment[],
  sep: Separators,
  start: number,
  end: number,
  sourceOffsets: boolean,
): MessageNode {
  return { start, end, separators: sep, segments: segmentNodes(segs, start, sourceOffsets) };
}

/**
 * @internal Nodes for a run of segments, each split by its own separators (a batch envelope's BHS
 * and FHS may declare other ones than the messages). Occurrences count within the run.
 */
export function segmentNodes(segs: readonly Segment[], start: number, sourceOffsets: boolean): SegmentNode[] {
  const counts = new Map<string, number>();
  const segments: SegmentNode[] = [];
  let running = start;
  segs.forEach((seg, position) => {
    const base = sourceOffsets ? seg.start : running;
    const text = seg.encode();
    running = base + text.length + seg.terminator.length;
    const occurrence = (counts.get(seg.name) ?? 0) + 1;
    counts.set(seg.name, occurrence);
    segments.push({
      name: seg.name,
      position,
      occurrence,
      start: base,
      end: base + text.length,
      value: text,
      fields: fieldNodes(seg, text, base, seg.separators),
    });
  });
  return segments;
}

function fieldNodes(seg: Segment, text: string, base: number, sep: Separators): FieldNode[] {
  const fields: FieldNode[] = [];
  const idx = seg.separatorIndex();
  if (idx.length === 0) return fields;
  const header = seg.name === "MSH" || seg.name === "BHS" || seg.name === "FHS";
  let j = 0;
  let index = 1;
  if (header) {
    // MSH-1 is the separator itself and MSH-2 the encoding characters: leaves, never split.
    const fsAt = idx[0]! >> 2;
    const next = idx.length > 1 ? idx[1]! >> 2 : text.length;
    fields.push(leafField(1, base + fsAt, base + fsAt + 1, sep.field));
    fields.push(leafField(2, base + fsAt + 1, base + next, text.slice(fsAt + 1, next)));
    j = 1;
    index = 3;
    if (idx.length === 1) return fields;
  }
  // Walk the flat separator index once, closing subcomponent/component/repetition/field as the
  // separator level demands.
  let fStart = (idx[j]! >> 2) + 1;
  let rStart = fStart;
  let cStart = fStart;
  let sStart = fStart;
  let subs: SubcomponentNode[] = [];
  let comps: ComponentNode[] = [];
  let reps: RepetitionNode[] = [];
  for (j = j + 1; j <= idx.length; j++) {
    const e = j < idx.length ? idx[j]! : (text.length << 2) | 0;
    const p = e >> 2;
    const level = e & 3;
    subs.push({ index: subs.length + 1, start: base + sStart, end: base + p, value: text.slice(sStart, p) });
    sStart = p + 1;
    if (level === 3) continue;
    comps.push({
      index: comps.length + 1,
      start: base + cStart,
      end: base + p,
      value: text.slice(cStart, p),
      subcomponents: subs,
    });
    subs = [];
    cStart = sStart;
    if (level === 2) continue;
    reps.push({
      index: reps.length + 1,
      start: base + rStart,
      end: base + p,
      value: text.slice(rStart, p),
      components: comps,
    });
    comps = [];
    rStart = sStart;
    if (level === 1) continue;
    fields.push({
      index: index++,
      start: base + fStart,
      end: base + p,
      value: text.slice(fStart, p),
      repetitions: reps,
    });
    reps = [];
    fStart = sStart;
  }
  return fields;
}

function leafField(index: number, start: number, end: number, value: string): FieldNode {
  const sub: SubcomponentNode = { index: 1, start, end, value };
  const comp: ComponentNode = { index: 1, start, end, value, subcomponents: [sub] };
  return { index, start, end, value, repetitions: [{ index: 1, start, end, value, components: [comp] }] };
}

/** What sits at an offset: the innermost nodes and a field path naming it (for hover and go-to). */
export interface Location {
  readonly segment: SegmentNode;
  readonly field?: FieldNode;
  readonly repetition?: RepetitionNode;
  readonly component?: ComponentNode;
  readonly subcomponent?: SubcomponentNode;
  /** e.g. `PID-3[2].1.1`, `OBX[2]-5`; just the segment name when on the name itself. */
  readonly path: string;
}

/**
 * The field path naming a node, the one spelling shared by hover, the parse-tree view and the diff:
 * `SEG[n]` when the segment repeats, `[r]` when the field repeats, `.C` when the repetition has
 * components or the component has subcomponents, `.S` when it has subcomponents. With only a segment,
 * just its name (`OBX[2]`).
 */
export function nodePath(
  segment: SegmentNode,
  field?: FieldNode,
  repetition?: RepetitionNode,
  component?: ComponentNode,
  subcomponent?: SubcomponentNode,
): string {
  let path = segment.occurrence > 1 ? `${segment.name}[${segment.occurrence}]` : segment.name;
  if (field === undefined) return path;
  path += `-${field.index}`;
  if (repetition && field.repetitions.length > 1) path += `[${repetition.index}]`;
  if (component && repetition && (repetition.components.length > 1 || component.subcomponents.length > 1)) {
    path += `.${component.index}`;
    if (subcomponent && component.subcomponents.length > 1) path += `.${subcomponent.index}`;
  }
  return path;
}

/** Finds the innermost node at `offset` (an offset at a node's end counts as inside it). */
export function locate(
  tree: { readonly segments: readonly SegmentNode[] },
  offset: number,
): Location | undefined {
  const seg = tree.segments.find((s) => offset >= s.start && offset <= s.end);
  if (seg === undefined) return undefined;
  const field = seg.fields.find((f) => offset >= f.start && offset <= f.end);
  if (field === undefined) return { segment: seg, path: nodePath(seg) };
  const repetition = field.repetitions.find((r) => offset >= r.start && offset <= r.end);
  const component = repetition?.components.find((c) => offset >= c.start && offset <= c.end);
  const subcomponent = component?.subcomponents.find((t) => offset >= t.start && offset <= t.end);
  const path = nodePath(seg, field, repetition, component, subcomponent);
  const loc: {
    segment: SegmentNode;
    field?: FieldNode;
    repetition?: RepetitionNode;
    component?: ComponentNode;
    subcomponent?: SubcomponentNode;
    path: string;
  } = { segment: seg, field, path };
  if (repetition) loc.repetition = repetition;
  if (component) loc.component = component;
  if (subcomponent) loc.subcomponent = subcomponent;
  return loc;
}
