/**
 * HL7 field choices for the wizards, from the definitions of `messagefoundry/hl7` (one implementation
 * of the dictionary, shared with the language server). Pure: unit-tested in plain Node.
 */
import { getDefinitions, type StructureNode } from "messagefoundry/hl7";
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
