/**
 * HL7 field paths in config code: checked against the message version's definitions, completed with
 * their names and described on hover. The definitions come through the narrow Hl7Dictionary interface
 * (bound to `messagefoundry/hl7`'s getDefinitions by hl7Dictionary.ts).
 */
import type { RegistryGraph } from "messagefoundry/graph";
import { tryParseFieldPath } from "messagefoundry/hl7";
import type { FileFacts, FileProblem } from "./facts.js";

export interface ElementInfo {
  /** Position in its segment/datatype, 1-based. */
  index: number;
  name: string;
  datatype: string;
  /** R required, O optional, C conditional, B backward compatible, ... */
  optionality?: string;
  repeatable: boolean;
  length?: number;
}

export interface SegmentInfo {
  name: string;
  description: string;
  fields: ElementInfo[];
}

export interface Hl7Dictionary {
  /** The version actually used for a requested one (nearest known), e.g. "2.5.1". */
  resolveVersion(requested: string | undefined): string;
  segment(version: string, name: string): SegmentInfo | undefined;
  /** Components of a composite datatype; empty for primitives. */
  components(version: string, datatype: string): ElementInfo[];
  segmentNames(version: string): string[];
}

export const DEFAULT_HL7_VERSION = "2.5.1";

/** What the analysis offers the HL7 path checks (kept narrow so this file stays testable). */
export interface PathContext {
  readonly facts: ReadonlyMap<string, FileFacts>;
  readonly zSegments: ReadonlySet<string>;
  readonly graph: RegistryGraph;
}

/** The HL7 version a router or handler sees: the `hl7Version` of the inbounds that feed it, if they agree. */
export function versionFor(ctx: PathContext, owner: string | undefined): string | undefined {
  return versionIndex(ctx)(owner);
}

/** Builds owner → version lookups in one pass over the graph (the checks ask for every owner). */
function versionIndex(ctx: PathContext): (owner: string | undefined) => string | undefined {
  const feeders = new Map<string, string[]>(); // router/handler name → routers/inbounds feeding it
  for (const e of ctx.graph.edges) {
    if (e.to === null || e.kind === "handler-outbound") continue;
    const key = `${e.kind === "inbound-router" ? "router" : "handler"}:${e.to}`;
    const list = feeders.get(key);
    if (list) list.push(e.from);
    else feeders.set(key, [e.from]);
  }
  const inboundVersion = new Map<string, string>();
  for (const n of ctx.graph.nodes) {
    const v = n.options?.hl7Version;
    if (n.kind === "inbound" && typeof v === "string") inboundVersion.set(n.name, v);
  }
  return (owner) => {
    if (!owner) return undefined;
    const routers = new Set<string>([owner, ...(feeders.get(`handler:${owner}`) ?? [])]);
    const versions = new Set<string>();
    for (const r of routers)
      for (const ib of feeders.get(`router:${r}`) ?? []) {
        const v = inboundVersion.get(ib);
        if (v) versions.add(v);
      }
    return versions.size === 1 ? [...versions][0] : undefined;
  };
}

export interface ResolvedPath {
  version: string;
  segment?: SegmentInfo;
  field?: ElementInfo;
  component?: ElementInfo;
  subcomponent?: ElementInfo;
  /** Why the path does not exist, with the offset inside the path text. */
  error?: { message: string; offset: number; length: number };
}

export function resolvePath(
  dict: Hl7Dictionary,
  path: string,
  requested: string | undefined,
  zSegments: ReadonlySet<string>,
): ResolvedPath {
  const version = dict.resolveVersion(requested ?? DEFAULT_HL7_VERSION);
  const parsed = tryParseFieldPath(path);
  if (!parsed.path) {
    const offset = parsed.error?.offset ?? 0;
    const message = parsed.error?.message ?? "invalid field path";
    return { version, error: { message, offset, length: Math.max(1, path.length - offset) } };
  }
  const p = parsed.path;
  const segment = dict.segment(version, p.segment);
  if (!segment) {
    if (zSegments.has(p.segment)) return { version };
    const z = p.segment.startsWith("Z");
    return {
      version,
      error: {
        message: z
          ? `Z-segment ${p.segment} is not declared in this config (declare it with msg.addSegment("${p.segment}"))`
          : `Unknown segment ${p.segment} in HL7 v${version}`,
        offset: 0,
        length: 3,
      },
    };
  }
  const fieldStart = path.search(/[-.]\d/) + 1;
  const field = segment.fields.find((f) => f.index === p.field);
  if (!field)
    return {
      version,
      segment,
      error: {
        message: `${p.segment} has ${lastIndex(segment.fields)} fields in HL7 v${version}; ${p.segment}-${p.field} does not exist`,
        offset: fieldStart,
        length: String(p.field).length,
      },
    };
  const out: ResolvedPath = { version, segment, field };
  if (p.component === undefined) return out;
  const comps = dict.components(version, field.datatype);
  const compOffset = path.indexOf(".", fieldStart) + 1;
  // A primitive field has one implicit component (and it one implicit subcomponent); `.1` on it is
  // the value itself.
  if (comps.length === 0 && p.component === 1) {
    if ((p.subcomponent ?? 1) === 1) return out;
    out.error = {
      message: `${p.segment}-${p.field} (${field.datatype}) has no subcomponent ${p.subcomponent}`,
      offset: path.lastIndexOf(".") + 1,
      length: String(p.subcomponent).length,
    };
    return out;
  }
  const component = comps.find((c) => c.index === p.component);
  if (!component) {
    out.error = {
      message: `${p.segment}-${p.field} (${field.datatype}) has ${lastIndex(comps) || 1} component${lastIndex(comps) === 1 ? "" : "s"}; component ${p.component} does not exist`,
      offset: compOffset,
      length: String(p.component).length,
    };
    return out;
  }
  out.component = component;
  if (p.subcomponent === undefined) return out;
  const subs = dict.components(version, component.datatype);
  if (subs.length === 0 && p.subcomponent === 1) return out;
  const sub = subs.find((c) => c.index === p.subcomponent);
  if (!sub) {
    out.error = {
      message: `${p.segment}-${p.field}.${p.component} (${component.datatype}) has no subcomponent ${p.subcomponent}`,
      offset: path.lastIndexOf(".") + 1,
      length: String(p.subcomponent).length,
    };
    return out;
  }
  out.subcomponent = sub;
  return out;
}

function lastIndex(list: readonly ElementInfo[]): number {
  return list.reduce((m, e) => Math.max(m, e.index), 0);
}

export function checkHl7Paths(ctx: PathContext, dict: Hl7Dictionary): FileProblem[] {
  const out: FileProblem[] = [];
  // Versions per owner and results per (version, path): a config repeats a few dozen paths many times.
  const versions = new Map<string | undefined, string | undefined>();
  const results = new Map<string, ResolvedPath>();
  const lookup = versionIndex(ctx);
  for (const facts of ctx.facts.values())
    for (const use of facts.hl7Paths) {
      if (!versions.has(use.owner)) versions.set(use.owner, lookup(use.owner));
      const version = versions.get(use.owner);
      const key = `${version ?? ""}\u0000${use.path}`;
      let r = results.get(key);
      if (!r) {
        r = resolvePath(dict, use.path, version, ctx.zSegments);
        results.set(key, r);
      }
      if (!r.error) continue;
      const l = use.location;
      const column = l.column + r.error.offset;
      out.push({
        code: "MF-HL7-PATH",
        severity: "error",
        message: r.error.message,
        location: { file: l.file, line: l.line, column, endLine: l.line, endColumn: column + r.error.length },
      });
    }
  return out;
}

/** Markdown describing a resolved path (hover). */
export function describePath(path: string, r: ResolvedPath): string {
  const el = r.subcomponent ?? r.component ?? r.field;
  if (!el)
    return r.segment ? `**${r.segment.name}** — ${r.segment.description} (HL7 v${r.version})` : `\`${path}\``;
  const lines = [
    `**${path}** — ${el.name}`,
    "",
    `HL7 v${r.version} · ${r.segment?.name ?? ""} ${r.segment?.description ?? ""}`.trim(),
    "",
  ];
  lines.push(`- Data type: \`${el.datatype}\``);
  lines.push(`- Optionality: ${optionalityText(el.optionality)}`);
  lines.push(`- Repeatable: ${el.repeatable ? "yes" : "no"}`);
  if (el.length !== undefined) lines.push(`- Length: ${el.length}`);
  return lines.join("\n");
}

function optionalityText(o: string | undefined): string {
  switch (o) {
    case "R":
      return "required (R)";
    case "O":
      return "optional (O)";
    case "C":
      return "conditional (C)";
    case "B":
      return "backward compatible (B)";
    case "X":
      return "not used (X)";
    case undefined:
      return "unspecified";
    default:
      return o;
  }
}

export interface PathCompletion {
  label: string;
  name: string;
  datatype?: string;
}

/** Completions for a partly typed path: segments, then `PID-` fields, then `PID-5.` components. */
export function completePath(
  dict: Hl7Dictionary,
  typed: string,
  requested: string | undefined,
  zSegments: ReadonlySet<string>,
): PathCompletion[] {
  const version = dict.resolveVersion(requested ?? DEFAULT_HL7_VERSION);
  const m = /^([A-Z][A-Z0-9]{2})(?:\[\d+\])?[-.](\d+)?(?:\[\d+\])?(?:\.(\d+)?)?/.exec(typed);
  if (!m) {
    const names = [...dict.segmentNames(version), ...zSegments];
    return names.map((n) => ({ label: n, name: dict.segment(version, n)?.description ?? "Z-segment" }));
  }
  const prefix = typed.slice(0, typed.search(/[-.]/) + 1);
  const seg = dict.segment(version, m[1] as string);
  if (!seg) return [];
  const afterField = typed.slice(prefix.length);
  const dot = afterField.indexOf(".");
  if (dot < 0)
    return seg.fields.map((f) => ({ label: `${prefix}${f.index}`, name: f.name, datatype: f.datatype }));
  const fieldNo = Number.parseInt(afterField, 10);
  const field = seg.fields.find((f) => f.index === fieldNo);
  if (!field) return [];
  const head = `${prefix}${afterField.slice(0, dot)}.`;
  return dict
    .components(version, field.datatype)
    .map((c) => ({ label: `${head}${c.index}`, name: c.name, datatype: c.datatype }));
}
