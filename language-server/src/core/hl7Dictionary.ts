/** Binds the core's narrow Hl7Dictionary / Hl7Validator to `messagefoundry/hl7` (definitions per version). */
import {
  DEFAULT_VERSION,
  type FieldDefinition,
  getDefinitions,
  resolveVersion,
  validateStrict,
} from "messagefoundry/hl7";
import type { Hl7Validator } from "./hl7Files.js";
import type { ElementInfo, Hl7Dictionary, SegmentInfo } from "./hl7Paths.js";

function element(f: FieldDefinition): ElementInfo {
  const e: ElementInfo = {
    index: f.index,
    name: f.name,
    datatype: f.dataType,
    optionality: f.optionality,
    repeatable: f.repeatable,
  };
  if (f.length !== undefined) e.length = f.length;
  return e;
}

export function engineDictionary(): Hl7Dictionary {
  const segments = new Map<string, SegmentInfo | null>();
  const comps = new Map<string, ElementInfo[]>();
  return {
    resolveVersion: (v) => resolveVersion((v ?? DEFAULT_VERSION).trim()),
    segment(version, name) {
      const key = `${version}\u0000${name}`;
      let s = segments.get(key);
      if (s === undefined) {
        const d = getDefinitions(version).segment(name);
        s = d ? { name: d.name, description: d.description, fields: d.fields.map(element) } : null;
        segments.set(key, s);
      }
      return s ?? undefined;
    },
    components(version, datatype) {
      const key = `${version}\u0000${datatype}`;
      let c = comps.get(key);
      if (!c) {
        c = getDefinitions(version).dataType(datatype)?.components.map(element) ?? [];
        comps.set(key, c);
      }
      return c;
    },
    segmentNames: (version) => getDefinitions(version).segmentNames(),
  };
}

export const engineValidator: Hl7Validator = (msg, version) =>
  validateStrict(msg, { version, includeParseIssues: false }).map((i) => ({
    code: i.code,
    message: `${i.path ? `${i.path}: ` : ""}${i.message}`,
    start: i.start,
    end: i.end,
  }));
