/**
 * The parse tree of an X12 file, read by `messagefoundry/x12` (parseX12Batch: the same interchanges,
 * offsets and paths the language server's hover uses): interchanges → segments → elements →
 * repetitions → components, as the same `TreeNode`s the HL7 tree uses, so the view draws both alike.
 * Names come from the codec's segment list (no dictionary to fetch). Paths spell `(r)` only from the
 * second repetition, as hover does. Pure; tested in Node.
 */
import {
  formatX12Path,
  parseX12Batch,
  segmentName,
  type X12Interchange,
  type X12Segment,
} from "messagefoundry/x12";
import type { ParseTree, TreeNode } from "./parse-tree-node.js";

/** True when the text is an X12 interchange (its first non-blank characters are `ISA` and a separator). */
export function looksLikeX12(text: string): boolean {
  return /^\uFEFF?\s*ISA[^A-Za-z0-9\s]/.test(text);
}

/**
 * Elements that identify a patient or a member: names and ids (NM1), address (N3, N4), birth date and
 * sex (DMG), reference ids (REF), contact numbers (PER), trace numbers (TRN). Keyed `SEG-n`.
 */
export const X12_IDENTIFIER_ELEMENTS: ReadonlySet<string> = new Set([
  "NM1-3",
  "NM1-4",
  "NM1-5",
  "NM1-6",
  "NM1-7",
  "NM1-9",
  "N3-1",
  "N3-2",
  "N4-1",
  "N4-2",
  "N4-3",
  "DMG-2",
  "DMG-3",
  "REF-2",
  "PER-2",
  "PER-4",
  "PER-6",
  "PER-8",
  "TRN-2",
]);

function leaf(
  id: string,
  kind: TreeNode["kind"],
  path: string,
  value: string,
  start: number,
  sensitive: boolean,
): TreeNode {
  return {
    id,
    kind,
    path,
    name: "",
    type: "",
    value,
    start,
    end: start + value.length,
    sensitive,
    children: [],
  };
}

function elementNode(seg: X12Segment, occurrence: number, n: number, segId: string): TreeNode {
  const value = seg.element(n) ?? "";
  const start = seg.elementStart(n);
  const sensitive = X12_IDENTIFIER_ELEMENTS.has(`${seg.id}-${n}`);
  const base = { segment: seg.id, element: n, ...(occurrence > 1 ? { segmentIndex: occurrence } : {}) };
  const id = `${segId}/${n}`;
  const reps = seg.repetitions(n) ?? [value];
  const sep = 1;
  const components = (rep: string, repStart: number, repId: string, repetition?: number): TreeNode[] => {
    const comps = seg.components(rep);
    if (comps.length <= 1) return [];
    let at = repStart;
    return comps.map((c, i) => {
      const node = leaf(
        `${repId}/${i + 1}`,
        "component",
        formatX12Path({ ...base, ...(repetition && repetition > 1 ? { repetition } : {}), component: i + 1 }),
        c,
        at,
        sensitive,
      );
      at += c.length + sep;
      return node;
    });
  };
  let children: TreeNode[];
  if (reps.length > 1) {
    let at = start;
    children = reps.map((r, i) => {
      const repId = `${id}/r${i + 1}`;
      const node: TreeNode = {
        ...leaf(
          repId,
          "repetition",
          formatX12Path({ ...base, ...(i > 0 ? { repetition: i + 1 } : {}) }),
          r,
          at,
          sensitive,
        ),
        children: components(r, at, repId, i + 1),
      };
      at += r.length + sep;
      return node;
    });
  } else children = components(value, start, `${id}/r1`);
  return { ...leaf(id, "field", formatX12Path(base), value, start, sensitive), children };
}

function segmentNodes(ic: X12Interchange, prefix: string): TreeNode[] {
  const seen = new Map<string, number>();
  return ic.segments.map((seg) => {
    const occurrence = (seen.get(seg.id) ?? 0) + 1;
    seen.set(seg.id, occurrence);
    const id = `${prefix}/${seg.id}[${occurrence}]`;
    const elements: TreeNode[] = [];
    for (let n = 1; n <= seg.elementCount; n++) elements.push(elementNode(seg, occurrence, n, id));
    return {
      id,
      kind: "segment" as const,
      path: occurrence > 1 ? `${seg.id}[${occurrence}]` : seg.id,
      name: segmentName(seg.id) ?? "",
      type: "",
      value: seg.text,
      start: seg.start,
      end: seg.start + seg.text.length,
      sensitive: false,
      children: elements,
    };
  });
}

/** The tree of an X12 file: one interchange's segments at the top, or a node per interchange. */
export function buildX12ParseTree(text: string): ParseTree {
  let interchanges: X12Interchange[];
  try {
    interchanges = parseX12Batch(text);
  } catch (e) {
    return {
      root: [],
      problems: [{ offset: 0, message: (e as Error).message }],
      version: undefined,
      lookups: [],
    };
  }
  const problems = interchanges.flatMap((ic) =>
    ic.issues.map((i) => ({ offset: i.offset, message: i.message })),
  );
  const version = interchanges[0]?.version;
  if (interchanges.length === 1) {
    return { root: segmentNodes(interchanges[0] as X12Interchange, "i1"), problems, version, lookups: [] };
  }
  const root = interchanges.map((ic, k): TreeNode => {
    const last = ic.segments[ic.segments.length - 1];
    const end = last ? last.start + last.text.length : ic.start;
    return {
      id: `i${k + 1}`,
      kind: "message",
      path: `Interchange ${k + 1}`,
      name: ic.controlNumber,
      type: "",
      value: text.slice(ic.start, end),
      start: ic.start,
      end,
      sensitive: false,
      children: segmentNodes(ic, `i${k + 1}`),
    };
  });
  return { root, problems, version, lookups: [] };
}
