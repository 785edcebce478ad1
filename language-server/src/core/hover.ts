/** Hover text for names (kind, declaration, what feeds it, where it sends), env keys and HL7 paths. */
import {
  type GraphNode,
  INBOUND_OPTIONS_SCHEMA,
  isTransport,
  type JsonSchema,
  type NodeKind,
  OUTBOUND_OPTIONS_SCHEMA,
  type SourceLocation,
  TRANSPORT_SCHEMAS,
} from "messagefoundry/graph";
import { describeCodeSet } from "./codeSets.js";
import { describePath, type Hl7Dictionary, resolvePath, versionFor } from "./hl7Paths.js";
import type { Analysis, ConfigModel } from "./model.js";
import { siteAt } from "./sites.js";
import { LineIndex } from "./text.js";
import { keyAt } from "./tomlFacts.js";
import { scanToml } from "./tomlScan.js";

export interface HoverResult {
  markdown: string;
  location: SourceLocation;
}

const where = (l: SourceLocation) => `${l.file}:${l.line}:${l.column}`;
const list = (items: string[]) => (items.length ? items.join(", ") : "nothing");

export function hover(
  model: ConfigModel,
  dict: Hl7Dictionary,
  file: string,
  offset: number,
): HoverResult | undefined {
  const site = siteAt(model, file, offset);
  if (!site) return file === "connections.toml" ? tomlKeyHover(model, file, offset) : undefined;
  const a = model.analysis();
  if (site.type === "hl7") {
    const r = resolvePath(dict, site.use.path, versionFor(a, site.use.owner), a.zSegments);
    const text = r.error ? `**${site.use.path}** — ${r.error.message}` : describePath(site.use.path, r);
    return { markdown: text, location: site.location };
  }
  if (site.type === "env") {
    const defined = a.envFiles.filter((e) => e.keys.has(site.name)).map((e) => e.env);
    const missing = a.envFiles.filter((e) => !e.keys.has(site.name)).map((e) => e.env);
    const lines = [`**env** \`${site.name}\``, "", `Defined in: ${list(defined)}`];
    if (missing.length) lines.push("", `Missing from: ${missing.join(", ")}`);
    return { markdown: lines.join("\n"), location: site.location };
  }
  if (site.type === "codeset")
    return { markdown: describeCodeSet(site.name, a.codeSets.get(site.name)), location: site.location };
  return { markdown: describeNode(a, site.kind, site.name), location: site.location };
}

export function describeNode(a: Analysis, kind: NodeKind, name: string): string {
  const decls = a.byName[kind].get(name) ?? [];
  const lines = [`**${kind}** \`${name}\``, ""];
  if (!decls.length) {
    lines.push(`Not declared anywhere in this config.`);
    return lines.join("\n");
  }
  for (const d of decls)
    lines.push(
      `Declared in \`${where(d.location)}\` (${d.origin === "ts" ? "TypeScript" : "connections.toml"})${transport(d)}`,
    );
  const feeds = a.graph.edges
    .filter((e) => e.to === name && targetKind(e.kind) === kind)
    .map((e) => `${sourceKind(e.kind)} \`${e.from}\``);
  const sends = a.graph.edges
    .filter((e) => e.from === name && sourceKind(e.kind) === kind)
    .map((e) =>
      e.to === null ? `${targetKind(e.kind)} (computed at run time)` : `${targetKind(e.kind)} \`${e.to}\``,
    );
  lines.push("", `Fed by: ${list([...new Set(feeds)])}`);
  if (kind !== "outbound") lines.push("", `Sends to: ${list([...new Set(sends)])}`);
  return lines.join("\n");
}

function transport(n: GraphNode): string {
  return n.transport ? ` · ${n.transport}` : "";
}

function targetKind(edge: string): NodeKind {
  return edge === "inbound-router" ? "router" : edge === "router-handler" ? "handler" : "outbound";
}

function sourceKind(edge: string): NodeKind {
  return edge === "inbound-router" ? "inbound" : edge === "router-handler" ? "router" : "handler";
}

/** A connections.toml key: what the shared JSON Schema says about it (transport setting or option). */
function tomlKeyHover(model: ConfigModel, file: string, offset: number): HoverResult | undefined {
  const text = model.text(file) ?? "";
  const scan = scanToml(text);
  const k = scan.keys.find((s) => offset >= s.keyStart && offset <= s.keyEnd);
  const [kind, index, ...rest] = k?.path ?? [];
  if (!k || (kind !== "inbound" && kind !== "outbound") || index === undefined) return undefined;
  const key = rest.at(-1) ?? "";
  let schema: JsonSchema | undefined;
  let what: string;
  if (rest[0] === "settings" && rest.length === 2) {
    const t = keyAt(scan, [kind, index, "transport"]);
    const transport = t ? text.slice(t.valueStart, t.valueEnd) : "";
    const props: Record<string, JsonSchema> | undefined = isTransport(transport)
      ? TRANSPORT_SCHEMAS[transport].properties
      : undefined;
    schema = props?.[key];
    what = `${transport} setting`;
  } else if (rest.length === 1) {
    schema = (kind === "inbound" ? INBOUND_OPTIONS_SCHEMA : OUTBOUND_OPTIONS_SCHEMA).properties?.[key];
    what = `${kind} option`;
  } else return undefined;
  if (!schema) return undefined;
  const facts = [schema.type && `\`${schema.type}\``];
  if (schema.enum) facts.push(`one of ${schema.enum.map((e) => `\`${JSON.stringify(e)}\``).join(", ")}`);
  if (schema.minimum !== undefined || schema.maximum !== undefined)
    facts.push(`range ${schema.minimum ?? "…"}–${schema.maximum ?? "…"}`);
  if (schema.default !== undefined) facts.push(`default \`${JSON.stringify(schema.default)}\``);
  if (schema["x-mf-secret"]) facts.push("secret: only from env");
  const lines = [`**${key}** — ${what}`];
  if (schema.description) lines.push("", schema.description);
  lines.push("", facts.filter(Boolean).join(" · "));
  return { markdown: lines.join("\n"), location: new LineIndex(text).location(file, k.keyStart, k.keyEnd) };
}
