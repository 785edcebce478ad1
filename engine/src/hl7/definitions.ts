/**
 * HL7 definitions for versions 2.1–2.8 (segments, fields, data types and their components, message
 * structures) from the MIT-licensed `hl7v2-dictionary` package, for hover and strict validation.
 *
 * Loading is lazy: the package (≈3 MB, ~0.3 s to evaluate) is only required on the first
 * getDefinitions call, and each version's lookup tables are built on first use of that version.
 * Servers should call preloadDefinitions() at startup so the first validation does not stall the loop.
 */
import type {
  HL7DataTypeDefinition,
  HL7Dictionary,
  HL7FieldDefinition,
  HL7MessageSegmentsDefinition,
} from "hl7v2-dictionary";
import { type FieldPath, parseFieldPath } from "./path.js";

/** The versions the dictionary holds. */
export const SUPPORTED_VERSIONS = [
  "2.1",
  "2.2",
  "2.3",
  "2.3.1",
  "2.4",
  "2.5",
  "2.5.1",
  "2.6",
  "2.7",
  "2.7.1",
  "2.8",
] as const;
/** Used when a message declares no (or an unreadable) version. */
export const DEFAULT_VERSION = "2.5.1";

/** R required, O optional, C conditional, B backward-compatible, S (older tables) same as O. */
export type Optionality = "R" | "O" | "C" | "B" | "S";

export interface FieldDefinition {
  /** Owner: a segment name (PID) or a data type name (XPN) for components. */
  readonly owner: string;
  readonly index: number;
  readonly name: string;
  readonly dataType: string;
  readonly optionality: Optionality;
  readonly required: boolean;
  readonly repeatable: boolean;
  /** Maximum repetitions; undefined means unbounded. */
  readonly maxRepetitions: number | undefined;
  /** Maximum length in characters, when the standard gives one. */
  readonly length: number | undefined;
  /** HL7 table number for coded values. */
  readonly table: number | undefined;
}

export interface SegmentDefinition {
  readonly name: string;
  readonly description: string;
  readonly fields: readonly FieldDefinition[];
}

export interface DataTypeDefinition {
  readonly name: string;
  readonly description: string;
  /** Empty for primitive types (ST, NM, ...). */
  readonly components: readonly FieldDefinition[];
}

export interface StructureNode {
  /** A segment name (PID) or a group name (PATIENT_RESULT). */
  readonly name: string;
  readonly isGroup: boolean;
  readonly description: string;
  readonly min: number;
  /** undefined = unbounded. */
  readonly max: number | undefined;
  readonly children: readonly StructureNode[];
}

export interface MessageStructureDefinition {
  readonly name: string;
  readonly description: string;
  readonly children: readonly StructureNode[];
}

/** What a field path means: the field, and the component/subcomponent definitions when addressed. */
export interface PathDescription {
  readonly segment: SegmentDefinition;
  readonly field: FieldDefinition;
  readonly component?: FieldDefinition;
  readonly subcomponent?: FieldDefinition;
}

/** A field's or component's name and data type, as a view labels it. */
export interface ElementName {
  readonly name: string;
  readonly type: string;
}

/**
 * A small JSON-safe slice of one version's definitions: the named segments, the data types of their
 * fields, and the data types of those types' components (so subcomponents are named too). Editors'
 * webviews ask their host for this instead of bundling the whole dictionary.
 */
export interface DefinitionsExtract {
  /** The dictionary version used (see resolveVersion). */
  readonly version: string;
  /** Keyed by segment name; `fields` keyed by field number. */
  readonly segments: Readonly<
    Record<string, { readonly description: string; readonly fields: Readonly<Record<number, ElementName>> }>
  >;
  /** Keyed by data type name; `components` keyed by component number. */
  readonly types: Readonly<
    Record<
      string,
      { readonly description: string; readonly components: Readonly<Record<number, ElementName>> }
    >
  >;
}

export class Hl7Definitions {
  private readonly segs = new Map<string, SegmentDefinition | null>();
  private readonly types = new Map<string, DataTypeDefinition | null>();

  /** @internal Use getDefinitions(). */
  constructor(
    /** The dictionary version actually used (`2.9` → 2.8, missing → DEFAULT_VERSION); see resolveVersion. */
    readonly version: string,
    private readonly dict: HL7Dictionary,
  ) {}

  /** Names of every segment the version defines, sorted. */
  segmentNames(): string[] {
    return Object.keys(this.dict.segments).sort();
  }

  /** Names of every data type the version defines, sorted. */
  dataTypeNames(): string[] {
    return Object.keys(this.dict.types).sort();
  }

  /** Names of every message structure (ADT_A01, ORU_R01, ...), sorted. */
  messageStructureNames(): string[] {
    return Object.keys(this.dict.messages).sort();
  }

  segment(name: string): SegmentDefinition | undefined {
    let s = this.segs.get(name);
    if (s === undefined) {
      const raw = Object.hasOwn(this.dict.segments, name) ? this.dict.segments[name] : undefined;
      s = raw ? { name, description: raw.desc ?? "", fields: toFields(name, raw.fields) } : null;
      this.segs.set(name, s);
    }
    return s ?? undefined;
  }

  /** `field("PID", 5)` → Patient Name (XPN). Field numbers follow the standard (MSH-1 = separator). */
  field(segment: string, index: number): FieldDefinition | undefined {
    return this.segment(segment)?.fields.find((f) => f.index === index);
  }

  dataType(name: string): DataTypeDefinition | undefined {
    let t = this.types.get(name);
    if (t === undefined) {
      const raw: HL7DataTypeDefinition | undefined = Object.hasOwn(this.dict.types, name)
        ? this.dict.types[name]
        : undefined;
      t = raw ? { name, description: raw.desc ?? "", components: toFields(name, raw.fields ?? {}) } : null;
      this.types.set(name, t);
    }
    return t ?? undefined;
  }

  /** `component("XPN", 1)` → Family Name (FN). */
  component(dataType: string, index: number): FieldDefinition | undefined {
    return this.dataType(dataType)?.components.find((c) => c.index === index);
  }

  /** The message structure for `ADT_A01`, or for a type/trigger pair such as `ADT^A01` when named alike. */
  messageStructure(name: string): MessageStructureDefinition | undefined {
    const key = name.replace("^", "_");
    const raw = Object.hasOwn(this.dict.messages, key) ? this.dict.messages[key] : undefined;
    if (!raw) return undefined;
    return { name: key, description: raw.desc ?? "", children: toStructure(raw.segments ?? {}) };
  }

  /** The slice of these definitions that names `segments` down to their subcomponents; unknown names are left out. */
  extract(segments: Iterable<string>): DefinitionsExtract {
    const segs: Record<string, { description: string; fields: Record<number, ElementName> }> = {};
    const types: Record<string, { description: string; components: Record<number, ElementName> }> = {};
    const named = (list: readonly FieldDefinition[]) => {
      const out: Record<number, ElementName> = {};
      for (const f of list) out[f.index] = { name: f.name, type: f.dataType };
      return out;
    };
    const addType = (name: string, depth: number) => {
      if (Object.hasOwn(types, name)) return;
      const t = this.dataType(name);
      if (!t) return;
      types[name] = { description: t.description, components: named(t.components) };
      if (depth > 1) for (const c of t.components) addType(c.dataType, depth - 1);
    };
    for (const name of segments) {
      const seg = Object.hasOwn(segs, name) ? undefined : this.segment(name);
      if (!seg) continue;
      segs[name] = { description: seg.description, fields: named(seg.fields) };
      for (const f of seg.fields) addType(f.dataType, 2);
    }
    return { version: this.version, segments: segs, types };
  }

  /** Describes a path: `describe("PID-5.1")` → field Patient Name, component Family Name. */
  describe(path: string | FieldPath): PathDescription | undefined {
    const p = typeof path === "string" ? parseFieldPath(path) : path;
    const segment = this.segment(p.segment);
    const field = segment?.fields.find((f) => f.index === p.field);
    if (!segment || !field) return undefined;
    const out: {
      segment: SegmentDefinition;
      field: FieldDefinition;
      component?: FieldDefinition;
      subcomponent?: FieldDefinition;
    } = {
      segment,
      field,
    };
    if (p.component !== undefined) {
      const c = this.component(field.dataType, p.component);
      if (c) {
        out.component = c;
        if (p.subcomponent !== undefined) {
          const s = this.component(c.dataType, p.subcomponent);
          if (s) out.subcomponent = s;
        }
      }
    }
    return out;
  }
}

type DictionaryModule = { dictionaries: Record<string, HL7Dictionary> };
let dictionaryModule: DictionaryModule | undefined;
const byVersion = new Map<string, Hl7Definitions>();

/** Definitions for a version (`2.5.1`, `2.3`, ...). Unknown versions map to the nearest one; missing to DEFAULT_VERSION. */
export function getDefinitions(version: string | undefined): Hl7Definitions {
  const resolved = resolveVersion((version ?? "").trim());
  let d = byVersion.get(resolved);
  if (!d) {
    const dict = loadDictionaries().dictionaries[resolved];
    if (!dict) throw new Error(`hl7v2-dictionary has no version ${resolved}`);
    d = new Hl7Definitions(resolved, dict);
    byVersion.set(resolved, d);
  }
  return d;
}

/** Loads the dictionary package now (call at server start-up, off the hot path). */
export function preloadDefinitions(): void {
  loadDictionaries();
}

/** Maps any version string onto one the dictionary holds. */
export function resolveVersion(version: string): string {
  if ((SUPPORTED_VERSIONS as readonly string[]).includes(version)) return version;
  const m = /^2\.(\d+)(?:\.(\d+))?/.exec(version);
  if (!m) return DEFAULT_VERSION;
  const want = [Number(m[1]), Number(m[2] ?? 0)];
  let best: string = SUPPORTED_VERSIONS[0];
  for (const v of SUPPORTED_VERSIONS) {
    const [, minor = "0", patch = "0"] = v.split(".");
    const have = [Number(minor), Number(patch)];
    if (have[0]! < want[0]! || (have[0] === want[0] && have[1]! <= want[1]!)) best = v;
  }
  return best;
}

function loadDictionaries(): DictionaryModule {
  if (dictionaryModule) return dictionaryModule;
  // A synchronous, on-demand load. CommonJS bundles (the language server) resolve the literal
  // require() at bundle time; under native ESM we go through module.createRequire.
  if (typeof require === "function") {
    dictionaryModule = require("hl7v2-dictionary") as DictionaryModule;
  } else {
    const mod = process.getBuiltinModule?.("node:module") as typeof import("node:module") | undefined;
    if (!mod) throw new Error("HL7 definitions need Node.js 20.16 or later (process.getBuiltinModule)");
    dictionaryModule = mod.createRequire(import.meta.url)("hl7v2-dictionary") as DictionaryModule;
  }
  return dictionaryModule;
}

function toFields(owner: string, fields: Record<string, HL7FieldDefinition>): FieldDefinition[] {
  return Object.entries(fields)
    .map(([i, f]) => {
      const opt = (f.opt ?? "O") as Optionality;
      const rep = f.rep ?? 1;
      return {
        owner,
        index: Number(i),
        name: f.desc ?? "",
        dataType: f.type,
        optionality: opt,
        required: opt === "R",
        repeatable: rep === "infinite" || rep > 1,
        maxRepetitions: rep === "infinite" ? undefined : rep,
        length: f.len || undefined,
        table: f.table || undefined,
      };
    })
    .sort((a, b) => a.index - b.index);
}

function toStructure(segs: Record<string, HL7MessageSegmentsDefinition>): StructureNode[] {
  return Object.entries(segs)
    .sort((a, b) => a[1].idx - b[1].idx)
    .map(([name, s]) => ({
      name,
      isGroup: s.segments !== undefined,
      description: s.desc ?? "",
      min: s.min ?? 0,
      max: s.max,
      children: s.segments ? toStructure(s.segments) : [],
    }));
}
