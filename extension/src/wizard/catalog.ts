/**
 * HL7 field choices for the wizards, from the definitions of `messagefoundry/hl7` (one implementation
 * of the dictionary, shared with the language server). Pure: unit-tested in plain Node.
 */
import { getDefinitions, type StructureNode, tryParseFieldPath } from "messagefoundry/hl7";
import type { FieldCatalog } from "./types.js";

/** Segments offered first; others are still accepted when typed. */
const COMMON_SEGMENTS = [
  "MSH",
  "EVN",
  "PID",
  "PD1",
  "NK1",
  "PV1",
  "PV2",
  "ORC",
  "OBR",
  "OBX",
  "NTE",
  "AL1",
  "DG1",
  "IN1",
];

export interface FieldChoice {
  /** `PID-5` or `PID-5.1`. */
  path: string;
  /** `Patient Name (XPN)`. */
  description: string;
}

export function catalogFor(version = "2.5"): FieldCatalog {
  const defs = getDefinitions(version);
  return {
    fields: (segment) => defs.segment(segment)?.fields.map((f) => ({ name: f.name, dataType: f.dataType })),
  };
}

/**
 * Fields and their components for the segments of the given message types (from the version's message
 * structures), falling back to the common segments. Components are listed for composite types so a
 * mapping can target `PID-5.1 Family Name` directly.
 */
export function fieldChoices(version = "2.5", messageTypes: readonly string[] = []): FieldChoice[] {
  const defs = getDefinitions(version);
  const segments = new Set<string>();
  for (const type of messageTypes) {
    const structure = defs.messageStructure(type.split("^").slice(0, 2).join("^"));
    for (const name of structure ? segmentsOf(structure) : []) segments.add(name);
  }
  if (segments.size === 0) for (const s of COMMON_SEGMENTS) segments.add(s);
  const out: FieldChoice[] = [];
  for (const seg of segments) {
    for (const f of defs.segment(seg)?.fields ?? []) {
      const path = `${seg}-${f.index}`;
      out.push({ path, description: `${f.name} (${f.dataType})` });
      for (const c of defs.dataType(f.dataType)?.components ?? []) {
        out.push({ path: `${path}.${c.index}`, description: `${f.name} › ${c.name} (${c.dataType})` });
      }
    }
  }
  return out;
}

/** Segment names in a message structure tree (groups flattened), in order, without duplicates. */
function segmentsOf(structure: { readonly children: readonly StructureNode[] }): string[] {
  const names: string[] = [];
  const walk = (nodes: readonly StructureNode[]) => {
    for (const n of nodes) {
      if (n.isGroup) walk(n.children);
      else if (!names.includes(n.name)) names.push(n.name);
    }
  };
  walk(structure.children);
  return names;
}

export interface MessageTypeChoice {
  /** `ORU^R01`. */
  type: string;
  description: string;
}

/**
 * The trigger events the version defines for a message family (`ORU` → ORU^R01, ORU^R30 in 2.5), from
 * its message structures. Empty for a family the version does not know (a site-defined Z message).
 */
export function messageTypesOf(version: string, family: string): MessageTypeChoice[] {
  const defs = getDefinitions(version);
  const prefix = `${family.trim().toUpperCase()}_`;
  return defs
    .messageStructureNames()
    .filter((n) => n.startsWith(prefix) && /^[A-Z0-9]{3}_[A-Z0-9]{3}$/.test(n))
    .map((n) => ({ type: n.replace("_", "^"), description: defs.messageStructure(n)?.description ?? "" }));
}

/**
 * Whether a field can occur more than once in the given message types: its segment repeats (itself or
 * in a repeating group, e.g. OBX in ORU^R01) or the field repeats (OBX-8, PID-3). A path that names an
 * occurrence (`OBX[2]-8`, `PID-3[1]`) repeats in neither sense. Decides whether the filter asks any/all/first.
 */
export function repeatsOf(
  version: string,
  messageTypes: readonly string[],
  path: string,
): { segment: boolean; field: boolean } {
  const parsed = tryParseFieldPath(path).path;
  if (!parsed) return { segment: false, field: false };
  const defs = getDefinitions(version);
  const field =
    parsed.repetition === undefined && (defs.field(parsed.segment, parsed.field)?.repeatable ?? false);
  if (parsed.segmentIndex !== undefined) return { segment: false, field };
  let segment = false;
  const walk = (nodes: readonly StructureNode[], repeating: boolean) => {
    for (const n of nodes) {
      const here = repeating || n.max !== 1;
      if (n.isGroup) walk(n.children, here);
      else if (n.name === parsed.segment && here) segment = true;
    }
  };
  for (const type of messageTypes) {
    const structure = defs.messageStructure(type.split("^").slice(0, 2).join("^"));
    if (structure) walk(structure.children, false);
  }
  return { segment, field };
}

/**
 * The field choices a picker shows for a query, as VS Code's QuickPick does with matchOnDescription:
 * the path or the field's name contains it (`abnormal` → OBX-8 Abnormal Flags). For tests and for
 * anything that searches without the QuickPick.
 */
export function findFields(choices: readonly FieldChoice[], query: string): FieldChoice[] {
  const needle = query.trim().toLowerCase();
  if (needle === "") return [...choices];
  return choices.filter(
    (c) => c.path.toLowerCase().includes(needle) || c.description.toLowerCase().includes(needle),
  );
}
