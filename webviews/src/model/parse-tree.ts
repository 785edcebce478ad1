/**
 * The parse tree's model: a message split by hl7-structure turned into labelled nodes (names and data
 * types from a definitions lookup), plus the lookups the view needs — the node under an offset, fields by
 * name or path, and which fields identify a patient (masked on screen). Pure; tested in Node.
 */
import { type Hl7Structure, parseStructure } from "./hl7-structure.js";

export type TreeNodeKind = "message" | "segment" | "field" | "repetition" | "component" | "subcomponent";

export interface TreeNode {
  /** Unique and stable for the same text: the node's path, e.g. `m1/PID[1]/5/1/2`. */
  id: string;
  kind: TreeNodeKind;
  /** Field path users type in configs: `PID-5`, `PID-5[2].1`, `OBX[2]-5.1.2`. */
  path: string;
  /** e.g. `Patient Name` (empty when the definitions do not know it). */
  name: string;
  /** Data type, e.g. `XPN` (empty when unknown). */
  type: string;
  /** The encoded text of the node. */
  value: string;
  start: number;
  end: number;
  /** True when the node is (inside) a patient identifier field. */
  sensitive: boolean;
  children: TreeNode[];
}

/** Names and types, as far as the definitions for the message's version know them. */
export interface Namer {
  segment(name: string): string | undefined;
  field(segment: string, field: number): { name: string; type: string } | undefined;
  component(type: string, component: number): { name: string; type: string } | undefined;
}

export const NO_NAMES: Namer = {
  segment: () => undefined,
  field: () => undefined,
  component: () => undefined,
};

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

export interface ParseTree {
  root: TreeNode[];
  problems: Hl7Structure["problems"];
  /** MSH-12 of the first message (definitions are chosen by it). */
  version: string | undefined;
}

/** Reads MSH-12.1 from the text, for choosing definitions before naming. */
export function messageVersion(text: string): string | undefined {
  const msh = parseStructure(text).messages[0]?.segments[0];
  return msh?.fields[11]?.repetitions[0]?.components[0]?.value || undefined;
}

export function buildParseTree(text: string, namer: Namer = NO_NAMES): ParseTree {
  const structure = parseStructure(text);
  const multi = structure.messages.length > 1;
  const root: TreeNode[] = [];
  structure.messages.forEach((message, mi) => {
    const segments = message.segments.map((seg) => {
      const segPath = seg.occurrence > 1 ? `${seg.name}[${seg.occurrence}]` : seg.name;
      const segId = `m${mi + 1}/${seg.name}[${seg.occurrence}]`;
      const fields = seg.fields.map((field): TreeNode => {
        const def = namer.field(seg.name, field.number);
        const fieldPath = `${segPath}-${field.number}`;
        const sensitive = IDENTIFIER_FIELDS.has(`${seg.name}-${field.number}`);
        const fieldId = `${segId}/${field.number}`;
        const repeats = field.repetitions.length > 1;
        const componentNodes = (rep: (typeof field.repetitions)[number], repId: string, repPath: string) =>
          rep.components.length <= 1 && (rep.components[0]?.subcomponents.length ?? 0) <= 1
            ? []
            : rep.components.map((comp): TreeNode => {
                const cdef = def ? namer.component(def.type, comp.number) : undefined;
                const compPath = `${repPath}.${comp.number}`;
                const compId = `${repId}/${comp.number}`;
                return {
                  id: compId,
                  kind: "component",
                  path: compPath,
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
                          const sdef = cdef ? namer.component(cdef.type, sub.number) : undefined;
                          return {
                            id: `${compId}/${sub.number}`,
                            kind: "subcomponent" as const,
                            path: `${compPath}.${sub.number}`,
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
        const children: TreeNode[] = repeats
          ? field.repetitions.map((rep) => {
              const repPath = `${fieldPath}[${rep.number}]`;
              const repId = `${fieldId}/r${rep.number}`;
              return {
                id: repId,
                kind: "repetition" as const,
                path: repPath,
                name: def?.name ?? "",
                type: def?.type ?? "",
                value: rep.value,
                start: rep.start,
                end: rep.end,
                sensitive,
                children: componentNodes(rep, repId, repPath),
              };
            })
          : field.repetitions[0]
            ? componentNodes(field.repetitions[0], `${fieldId}/r1`, fieldPath)
            : [];
        return {
          id: fieldId,
          kind: "field",
          path: fieldPath,
          name: def?.name ?? "",
          type: def?.type ?? "",
          value: field.value,
          start: field.start,
          end: field.end,
          sensitive,
          children,
        };
      });
      return {
        id: segId,
        kind: "segment" as const,
        path: segPath,
        name: namer.segment(seg.name) ?? "",
        type: "",
        value: seg.value,
        start: seg.start,
        end: seg.end,
        sensitive: false,
        children: fields,
      };
    });
    if (multi) {
      const msh = message.segments[0];
      const type = msh?.fields[8]?.value ?? "";
      root.push({
        id: `m${mi + 1}`,
        kind: "message",
        path: `Message ${mi + 1}`,
        name: type,
        type: "",
        value: message.value,
        start: message.start,
        end: message.end,
        sensitive: false,
        children: segments,
      });
    } else {
      root.push(...segments);
    }
  });
  return { root, problems: structure.problems, version: messageVersion(text) };
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
