/**
 * The parse tree's model: a file read by `messagefoundry/hl7` (parseFileTree: the same messages,
 * envelope segments, offsets and node paths the language server's hover uses) turned into labelled
 * nodes (names and types from a definitions lookup), plus the lookups the view needs — the node under
 * an offset, fields by name or path, and which fields identify a patient (masked on screen). Pure;
 * tested in Node.
 */
import {
  type ComponentNode,
  type DefinitionsExtract,
  type FieldNode,
  nodePath,
  parseFileTree,
  type RepetitionNode,
  type SegmentNode,
} from "messagefoundry/hl7";
import type { ParseTree, TreeNode } from "./parse-tree-node.js";
import { buildX12ParseTree, looksLikeX12 } from "./parse-tree-x12.js";

export type { ParseTree, StructureProblem, TreeNode, TreeNodeKind } from "./parse-tree-node.js";

/** Names and types, as far as the definitions for the message's version know them. */
export interface Namer {
  segment(name: string): string | undefined;
  field(segment: string, field: number): { name: string; type: string } | undefined;
  component(type: string, component: number): { name: string; type: string } | undefined;
  /** True for a type known to have no components (ST, IS, ...). */
  primitive?(type: string): boolean;
}

/**
 * The name of part `index` of an element: its type's component, or — for a primitive type, which has
 * one implicit component — the element itself for part 1 (hover names `PID-5.2.1` so too).
 */
function partName(
  namer: Namer,
  parent: { name: string; type: string } | undefined,
  index: number,
): { name: string; type: string } | undefined {
  if (!parent) return undefined;
  return (
    namer.component(parent.type, index) ??
    (index === 1 && namer.primitive?.(parent.type) ? parent : undefined)
  );
}

export const NO_NAMES: Namer = {
  segment: () => undefined,
  field: () => undefined,
  component: () => undefined,
};

/** Names from the slice of definitions the host sent (see protocol/parseTree.ts `lookup`). */
export function namerFromExtract(x: DefinitionsExtract): Namer {
  return {
    segment: (name) =>
      Object.hasOwn(x.segments, name) ? x.segments[name]?.description || undefined : undefined,
    field: (segment, field) =>
      Object.hasOwn(x.segments, segment) ? x.segments[segment]?.fields[field] : undefined,
    component: (type, component) =>
      Object.hasOwn(x.types, type) ? x.types[type]?.components[component] : undefined,
    primitive: (type) =>
      Object.hasOwn(x.types, type) && Object.keys(x.types[type]?.components ?? {}).length === 0,
  };
}

/**
 * Fields that identify a patient or a relative (HIPAA identifiers): masked on screen when the user asks.
 * Keyed `SEG-n`.
 */
export const IDENTIFIER_FIELDS: ReadonlySet<string> = new Set([
  "PID-2",
  "PID-3",
  "PID-4",
  "PID-5",
  "PID-6",
  "PID-7",
  "PID-9",
  "PID-11",
  "PID-13",
  "PID-14",
  "PID-18",
  "PID-19",
  "PID-20",
  "PID-21",
  "NK1-2",
  "NK1-4",
  "NK1-5",
  "NK1-6",
  "NK1-33",
  "MRG-1",
  "MRG-2",
  "MRG-3",
  "MRG-4",
  "MRG-7",
  "GT1-2",
  "GT1-3",
  "GT1-5",
  "GT1-6",
  "GT1-7",
  "GT1-8",
  "GT1-12",
  "IN1-16",
  "IN1-18",
  "IN1-19",
  "IN1-36",
  "IN1-49",
  "IN2-1",
  "IN2-2",
  "PV1-19",
  "PD1-3",
]);

export const MASK = "•••";

/** Names per declared version ("" for none): one Namer for all, or one per version. */
export type Names = Namer | ((version: string) => Namer);

function componentNodes(
  namer: Namer,
  seg: SegmentNode,
  field: FieldNode,
  rep: RepetitionNode,
  repId: string,
  def: { name: string; type: string } | undefined,
  sensitive: boolean,
): TreeNode[] {
  // A repetition that is one plain value has no parts worth a row of their own.
  if (rep.components.length <= 1 && (rep.components[0]?.subcomponents.length ?? 0) <= 1) return [];
  return rep.components.map((comp: ComponentNode): TreeNode => {
    const cdef = partName(namer, def, comp.index);
    const compId = `${repId}/${comp.index}`;
    return {
      id: compId,
      kind: "component",
      path: nodePath(seg, field, rep, comp),
      name: cdef?.name ?? "",
      type: cdef?.type ?? "",
      value: comp.value,
      start: comp.start,
      end: comp.end,
      sensitive,
      children:
        comp.subcomponents.length <= 1
          ? []
          : comp.subcomponents.map((sub) => {
              const sdef = partName(namer, cdef, sub.index);
              return {
                id: `${compId}/${sub.index}`,
                kind: "subcomponent" as const,
                path: nodePath(seg, field, rep, comp, sub),
                name: sdef?.name ?? "",
                type: sdef?.type ?? "",
                value: sub.value,
                start: sub.start,
                end: sub.end,
                sensitive,
                children: [],
              };
            }),
    };
  });
}

function fieldNode(namer: Namer, seg: SegmentNode, field: FieldNode, segId: string): TreeNode {
  const def = namer.field(seg.name, field.index);
  const sensitive = IDENTIFIER_FIELDS.has(`${seg.name}-${field.index}`);
  const fieldId = `${segId}/${field.index}`;
  const first = field.repetitions[0];
  const children: TreeNode[] =
    field.repetitions.length > 1
      ? field.repetitions.map((rep) => {
          const repId = `${fieldId}/r${rep.index}`;
          return {
            id: repId,
            kind: "repetition" as const,
            path: nodePath(seg, field, rep),
            name: def?.name ?? "",
            type: def?.type ?? "",
            value: rep.value,
            start: rep.start,
            end: rep.end,
            sensitive,
            children: componentNodes(namer, seg, field, rep, repId, def, sensitive),
          };
        })
      : first
        ? componentNodes(namer, seg, field, first, `${fieldId}/r1`, def, sensitive)
        : [];
  return {
    id: fieldId,
    kind: "field",
    path: nodePath(seg, field),
    name: def?.name ?? "",
    type: def?.type ?? "",
    value: field.value,
    start: field.start,
    end: field.end,
    sensitive,
    children,
  };
}

function segmentNode(namer: Namer, seg: SegmentNode, idPrefix: string): TreeNode {
  const segId = `${idPrefix}/${seg.name}[${seg.occurrence}]`;
  return {
    id: segId,
    kind: "segment",
    path: nodePath(seg),
    name: namer.segment(seg.name) ?? "",
    type: "",
    value: seg.value,
    start: seg.start,
    end: seg.end,
    sensitive: false,
    children: seg.fields.map((f) => fieldNode(namer, seg, f, segId)),
  };
}

/**
 * Builds the tree of a file: one message's segments at the top, or — for a batch or several
 * messages — a node per message beside the envelope segments (FHS/BHS/BTS/FTS), in file order.
 * An X12 interchange (text starting with ISA) gets its own tree (parse-tree-x12.ts), of the same nodes.
 */
export function buildParseTree(text: string, names: Names = NO_NAMES): ParseTree {
  if (looksLikeX12(text)) return buildX12ParseTree(text);
  const file = parseFileTree(text);
  const namerFor = typeof names === "function" ? names : () => names;
  const versionOf = (i: number) => file.messages[i]?.message.version ?? "";
  const bySegments = new Map<string, Set<string>>();
  const want = (version: string, segment: string) => {
    const set = bySegments.get(version) ?? new Set<string>();
    bySegments.set(version, set);
    set.add(segment);
  };
  file.messages.forEach((m, i) => {
    for (const s of m.tree.segments) want(versionOf(i), s.name);
  });
  for (const s of file.envelope) want(versionOf(0), s.name);
  const lookups = [...bySegments].map(([version, set]) => ({ version, segments: [...set] }));
  const version = file.messages[0]?.message.version;
  if (file.messages.length === 0 && text.trim() !== "") {
    // One clear problem instead of one per line.
    return {
      root: [],
      problems: [{ offset: 0, message: "no MSH segment: this is not an HL7 v2 message" }],
      version,
      lookups,
    };
  }
  const problems = file.issues.map((i) => ({ offset: i.start, message: i.message }));
  const grouped = file.messages.length > 1 || file.envelope.length > 0;
  if (!grouped) {
    const only = file.messages[0];
    const namer = namerFor(versionOf(0));
    const root = only ? only.tree.segments.map((s) => segmentNode(namer, s, "m1")) : [];
    return { root, problems, version, lookups };
  }
  const envNamer = namerFor(versionOf(0));
  const root: TreeNode[] = file.envelope.map((s) => segmentNode(envNamer, s, "env"));
  file.messages.forEach(({ tree }, mi) => {
    const namer = namerFor(versionOf(mi));
    const last = tree.segments.at(-1);
    // The message's own range stops at its last segment, not after its line break (which is
    // where the next message starts).
    const end = last ? last.end : tree.end;
    root.push({
      id: `m${mi + 1}`,
      kind: "message",
      path: `Message ${mi + 1}`,
      name: tree.segments[0]?.fields.find((f) => f.index === 9)?.value ?? "",
      type: "",
      value: text.slice(tree.start, end),
      start: tree.start,
      end,
      sensitive: false,
      children: tree.segments.map((s) => segmentNode(namer, s, `m${mi + 1}`)),
    });
  });
  root.sort((a, b) => a.start - b.start);
  return { root, problems, version, lookups };
}

/** The chain of nodes from the root down to the deepest node containing `offset` (end inclusive). */
export function nodePathAt(tree: readonly TreeNode[], offset: number): TreeNode[] {
  const chain: TreeNode[] = [];
  let level: readonly TreeNode[] = tree;
  for (;;) {
    const hit = level.find((n) => offset >= n.start && offset <= n.end);
    if (!hit) return chain;
    chain.push(hit);
    level = hit.children;
  }
}

/**
 * The node an editor selection [start, end] stands for: the deepest node holding all of it (so a
 * selected field is that field, not its first component); an empty selection is the cursor at `start`.
 * `current` (the node already selected) wins when its range is exactly the selection: that is the echo
 * of the view's own reveal, and the field and its only repetition share one range.
 */
export function nodeForSelection(
  tree: readonly TreeNode[],
  start: number,
  end: number = start,
  current?: TreeNode,
): TreeNode | undefined {
  if (current && current.start === start && current.end === end && end > start) return current;
  const chain = nodePathAt(tree, start);
  for (let i = chain.length - 1; i >= 0; i--) {
    const node = chain[i]!;
    if (node.end >= end) return node;
  }
  return undefined;
}

/** Every node, depth first. */
export function* walk(tree: readonly TreeNode[]): Generator<TreeNode> {
  for (const node of tree) {
    yield node;
    yield* walk(node.children);
  }
}

/**
 * Fields and components whose path starts with the query (`PID-5`) or whose name contains it
 * (`patient name`, case-insensitive). Repetitions are skipped: their field already matches.
 */
export function findNodes(tree: readonly TreeNode[], query: string): TreeNode[] {
  const q = query.trim().toLowerCase();
  if (q === "") return [];
  const out: TreeNode[] = [];
  for (const node of walk(tree)) {
    if (node.kind === "repetition" || node.kind === "message") continue;
    if (node.path.toLowerCase().startsWith(q) || node.name.toLowerCase().includes(q)) out.push(node);
  }
  return out;
}

/** What the screen shows for a node's value. */
export function displayValue(node: TreeNode, mask: boolean): string {
  // A segment's or message's whole text would bypass the per-field mask; its children show the values.
  if (node.kind === "segment" || node.kind === "message") return "";
  if (mask && node.sensitive && node.value !== "") return MASK;
  return node.value;
}
