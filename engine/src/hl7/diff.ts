/**
 * HL7-aware before/after diff (the Test Bench's before/after view and `tee compare`): segments are
 * aligned by name (longest common subsequence, so an inserted or deleted segment does not shift
 * everything after it), then fields by number and repetitions by index. Values are compared
 * structurally (components and subcomponents), so a message re-encoded with other separators (read
 * from each MSH) differs only where content does; a changed repetition names its changed components.
 * Ignore rules (field paths such as `MSH-7`, `PID-3.4`, `OBX[2]-5`) leave parts out of the comparison.
 * Pure; runs in Node and in the browser.
 */
import { parseFileTree } from "./file.js";
import { type FieldPath, parseFieldPath } from "./path.js";
import { type FieldNode, type MessageNode, nodePath, type RepetitionNode, type SegmentNode } from "./tree.js";

export type DiffStatus = "same" | "changed" | "added" | "removed";

export interface FieldChange {
  /** Field path with segment occurrence when > 1 and repetition when the field repeats, e.g. `PID-5`, `OBX[2]-5[2]`. */
  path: string;
  status: Exclude<DiffStatus, "same">;
  /** Value as written in `before` (its own separators); undefined when added. */
  before?: string;
  /** Value as written in `after`; undefined when removed. */
  after?: string;
  /** For a changed repetition of a field with components: the differing components, e.g. `PID-5.2`. */
  components?: string[];
}

export interface SegmentDiff {
  name: string;
  status: DiffStatus;
  /** 1-based occurrence in before / after (absent when the segment is only on the other side). */
  beforeOccurrence?: number;
  afterOccurrence?: number;
  before?: string;
  after?: string;
  /** Changed repetitions, in field order; empty when `status` is `same`. */
  changes: FieldChange[];
}

export interface MessageDiff {
  segments: SegmentDiff[];
  /** Number of changed field repetitions plus added/removed segments. */
  changeCount: number;
  /** Problems reading either side (e.g. "after: no MSH segment"). */
  problems: string[];
}

export interface DiffOptions {
  /** Parts left out of the comparison: field paths (`MSH-7`, `PID-3.4`, `OBX[2]-5[1]`). */
  ignore?: readonly (string | FieldPath)[];
}

/** Parses ignore rules; throws FieldPathError for a rule that is not a field path. */
export function parseIgnoreRules(rules: readonly (string | FieldPath)[]): FieldPath[] {
  return rules.map((r) => (typeof r === "string" ? parseFieldPath(r.trim()) : r));
}

/** The rules that apply to field `number` of `seg` (whole field, a repetition or a component). */
function rulesFor(rules: readonly FieldPath[], seg: SegmentNode, number: number): FieldPath[] {
  return rules.filter(
    (r) =>
      r.segment === seg.name &&
      r.field === number &&
      (r.segmentIndex === undefined || r.segmentIndex === seg.occurrence),
  );
}

/** Subcomponent values of one component, with ignored ones blanked; "" when the component is ignored. */
function componentValues(rep: RepetitionNode, c: number, rules: readonly FieldPath[]): string[] {
  const comp = rep.components[c];
  if (!comp) return [];
  const ignored = rules.filter(
    (r) => r.component === c + 1 && (r.repetition === undefined || r.repetition === rep.index),
  );
  if (ignored.some((r) => r.subcomponent === undefined)) return [];
  return comp.subcomponents.map((s) => (ignored.some((r) => r.subcomponent === s.index) ? "" : s.value));
}

/** Content of one repetition as nested arrays (components → subcomponents), separator-independent. */
function repKey(field: FieldNode, r: number, rules: readonly FieldPath[]): string | undefined {
  const rep = field.repetitions[r];
  if (!rep) return undefined;
  if (rules.length === 0)
    return JSON.stringify(rep.components.map((c) => c.subcomponents.map((s) => s.value)));
  const comps = rep.components.map((_, c) => componentValues(rep, c, rules));
  // Trailing ignored/empty components equal absent ones.
  while (comps.length > 0 && comps[comps.length - 1]!.every((v) => v === "")) comps.pop();
  return comps.length === 0 ? '[[""]]' : JSON.stringify(comps);
}

/** A field (or one repetition of it) ignored as a whole. */
function wholeIgnored(rules: readonly FieldPath[], repetition: number): boolean {
  return rules.some(
    (r) => r.component === undefined && (r.repetition === undefined || r.repetition === repetition),
  );
}

/** The differing components of two repetitions, as paths under `base` (only when there are components). */
function changedComponents(
  base: string,
  b: RepetitionNode | undefined,
  a: RepetitionNode | undefined,
  rules: readonly FieldPath[],
): string[] | undefined {
  const n = Math.max(b?.components.length ?? 0, a?.components.length ?? 0);
  if (n < 2) return undefined;
  const out: string[] = [];
  for (let c = 0; c < n; c++) {
    const vb = b ? componentValues(b, c, rules).join("&") : "";
    const va = a ? componentValues(a, c, rules).join("&") : "";
    if (vb !== va) out.push(`${base}.${c + 1}`);
  }
  return out;
}

/** An empty trailing field or repetition equals an absent one (`PID|1|` vs `PID|1`). */
function isEmptyKey(key: string | undefined): boolean {
  return key === undefined || key === '[[""]]';
}

function diffFields(before: SegmentNode, after: SegmentNode, ignore: readonly FieldPath[]): FieldChange[] {
  const changes: FieldChange[] = [];
  const count = Math.max(before.fields.length, after.fields.length);
  for (let i = 0; i < count; i++) {
    const fb = before.fields[i];
    const fa = after.fields[i];
    const number = (fb ?? fa)?.index ?? i + 1;
    const rules = ignore.length === 0 ? [] : rulesFor(ignore, after, number);
    const reps = Math.max(fb?.repetitions.length ?? 0, fa?.repetitions.length ?? 0);
    for (let r = 0; r < reps; r++) {
      if (rules.length > 0 && wholeIgnored(rules, r + 1)) continue;
      const kb = fb ? repKey(fb, r, rules) : undefined;
      const ka = fa ? repKey(fa, r, rules) : undefined;
      if (kb === ka || (isEmptyKey(kb) && isEmptyKey(ka))) continue;
      const repeats = reps > 1;
      const path = `${nodePath(after)}-${number}${repeats ? `[${r + 1}]` : ""}`;
      const rb = fb?.repetitions[r];
      const ra = fa?.repetitions[r];
      const vb = isEmptyKey(kb) ? undefined : rb?.value;
      const va = isEmptyKey(ka) ? undefined : ra?.value;
      const status = vb === undefined ? "added" : va === undefined ? "removed" : "changed";
      const change: FieldChange = { path, status };
      if (vb !== undefined) change.before = vb;
      if (va !== undefined) change.after = va;
      const components = status === "changed" ? changedComponents(path, rb, ra, rules) : undefined;
      if (components) change.components = components;
      changes.push(change);
    }
  }
  return changes;
}

/** Longest common subsequence of segment names → aligned pairs (index or -1 for a gap). */
function align(a: SegmentNode[], b: SegmentNode[]): [number, number][] {
  const n = a.length;
  const m = b.length;
  const table: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    const row = table[i]!;
    const next = table[i + 1]!;
    for (let j = m - 1; j >= 0; j--) {
      row[j] = a[i]!.name === b[j]!.name ? next[j + 1]! + 1 : Math.max(next[j]!, row[j + 1]!);
    }
  }
  const pairs: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i]!.name === b[j]!.name) pairs.push([i++, j++]);
    else if (table[i + 1]![j]! >= table[i]![j + 1]!) pairs.push([i++, -1]);
    else pairs.push([-1, j++]);
  }
  while (i < n) pairs.push([i++, -1]);
  while (j < m) pairs.push([-1, j++]);
  return pairs;
}

function firstMessage(text: string, side: string, problems: string[]): MessageNode | undefined {
  const file = parseFileTree(text);
  if (file.messages.length === 0) {
    if (text.trim() !== "")
      problems.push(`${side}: no MSH segment: this is not an HL7 v2 message (offset 0)`);
    return undefined;
  }
  for (const p of file.issues) problems.push(`${side}: ${p.message} (offset ${p.start})`);
  if (file.messages.length > 1)
    problems.push(`${side}: holds ${file.messages.length} messages; comparing the first`);
  return file.messages[0]!.tree;
}

/** Diffs the first message of `before` against the first message of `after`. */
export function diffHl7(before: string, after: string, opts: DiffOptions = {}): MessageDiff {
  const problems: string[] = [];
  const mb = firstMessage(before, "before", problems);
  const ma = firstMessage(after, "after", problems);
  const diff = diffTrees(mb, ma, opts);
  diff.problems.unshift(...problems);
  return diff;
}

/** Diffs two parsed messages (trees from `Message.tree()` or `parseFileTree`); a missing side is empty. */
export function diffTrees(
  mb: MessageNode | undefined,
  ma: MessageNode | undefined,
  opts: DiffOptions = {},
): MessageDiff {
  const ignore = parseIgnoreRules(opts.ignore ?? []);
  const problems: string[] = [];
  const sb = mb?.segments ?? [];
  const sa = ma?.segments ?? [];
  const segments: SegmentDiff[] = [];
  let changeCount = 0;
  for (const [i, j] of align(sb, sa)) {
    const b = i >= 0 ? sb[i] : undefined;
    const a = j >= 0 ? sa[j] : undefined;
    if (b && a) {
      const changes = diffFields(b, a, ignore);
      changeCount += changes.length;
      segments.push({
        name: a.name,
        status: changes.length === 0 ? "same" : "changed",
        beforeOccurrence: b.occurrence,
        afterOccurrence: a.occurrence,
        before: b.value,
        after: a.value,
        changes,
      });
    } else if (b) {
      changeCount++;
      segments.push({
        name: b.name,
        status: "removed",
        beforeOccurrence: b.occurrence,
        before: b.value,
        changes: [],
      });
    } else if (a) {
      changeCount++;
      segments.push({
        name: a.name,
        status: "added",
        afterOccurrence: a.occurrence,
        after: a.value,
        changes: [],
      });
    }
  }
  return { segments, changeCount, problems };
}
