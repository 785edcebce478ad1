/**
 * Per-step validation of wizard answers against the live registry graph. Each check returns a message
 * for the InputBox (`validateInput` shows it under the box) or undefined when the value is fine, so the
 * same functions serve the interactive flow and the whole-answer check before anything is written.
 */
import { type GraphNode, LISTENER_TRANSPORTS, type NodeKind, type RegistryGraph } from "messagefoundry/graph";
import { paramSources, unboundParams } from "./dbParams.js";
import { checkFilter } from "./filterCode.js";
import { checkSchemaSetting, HAND_WRITTEN, schemaSettings } from "./schemaSettings.js";
import type { ConnectionAnswers, Direction, FieldCatalog, HandlerAnswers, RouteAnswers } from "./types.js";

/** `[TYPE]_[PARTNER]_[MESSAGE]`: IB/OB, then at least two upper-case words (`IB_ACME_ADT`). */
const CONNECTION_NAME = /^(IB|OB)_[A-Z0-9]+(?:_[A-Z0-9]+)+$/;
/** Routers and handlers are snake_case (`acme_adt_router`). */
const FUNCTION_NAME = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
/** `ADT^A01`, optionally with the message structure (`ADT^A04^ADT_A01`). */
const MESSAGE_TYPE = /^[A-Z0-9]{3}\^[A-Z0-9]{3}(?:\^[A-Z0-9_]{3,7})?$/;
/** `PID-5`, `PID-5.1`, `PID-5.1.2`, `OBX[2]-5`, `PID-3[1].1`. */
const FIELD_PATH = /^([A-Z][A-Z0-9]{2})(?:\[(\d+)\])?-(\d+)(?:\[(\d+)\])?(?:\.(\d+))?(?:\.(\d+))?$/;

export const PREFIX: Record<Direction, "IB" | "OB"> = { inbound: "IB", outbound: "OB" };

/** Names the wizard proposes for a partner and message (`ACME`, `ADT`). */
export function suggestNames(partner: string, message: string) {
  const p = partner
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_");
  const m = message
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_");
  const lower = `${p}_${m}`.toLowerCase();
  return {
    inbound: `IB_${p}_${m}`,
    outbound: `OB_${p}_${m}`,
    router: `${lower}_router`,
    handler: `${lower}_handler`,
    moduleFile: `${lower}.ts`,
  };
}

/**
 * Names for a partner and message that nothing in the workspace uses yet: the plain ones
 * (`IB_LAB_ORU`, `lab_oru_router`…) when all are free, else the first numbered set (`IB_LAB_ORU_2`,
 * `lab_oru_2_router`…) whose every name is free, so the route's names stay one family.
 */
export function suggestFreeNames(
  partner: string,
  message: string,
  graph: RegistryGraph | undefined,
  existingFiles: readonly string[] = [],
): ReturnType<typeof suggestNames> {
  const used = new Set((graph?.nodes ?? []).map((n) => `${n.kind}:${n.name}`));
  const files = new Set(existingFiles);
  for (let n = 1; ; n++) {
    const names = suggestNames(partner, n === 1 ? message : `${message}_${n}`);
    const free =
      !used.has(`inbound:${names.inbound}`) &&
      !used.has(`outbound:${names.outbound}`) &&
      !used.has(`router:${names.router}`) &&
      !used.has(`handler:${names.handler}`) &&
      !files.has(names.moduleFile);
    if (free) return names;
  }
}

function nodesOf(graph: RegistryGraph | undefined, kind: NodeKind): GraphNode[] {
  return graph ? graph.nodes.filter((n) => n.kind === kind) : [];
}

function declaredAt(node: GraphNode): string {
  return `${node.location.file}:${node.location.line}`;
}

/** A new connection's name: convention, direction prefix, unique among the graph's and this wizard's. */
export function checkConnectionName(
  name: string,
  direction: Direction,
  graph: RegistryGraph | undefined,
  pending: readonly string[] = [],
): string | undefined {
  if (name.trim() === "") return "A name is required.";
  if (!CONNECTION_NAME.test(name)) {
    return `Use the naming convention [TYPE]_[PARTNER]_[MESSAGE] in capitals, e.g. ${PREFIX[direction]}_ACME_ADT.`;
  }
  if (!name.startsWith(`${PREFIX[direction]}_`)) {
    return `An ${direction} connection's name starts with ${PREFIX[direction]}_.`;
  }
  const existing = nodesOf(graph, direction).find((n) => n.name === name);
  if (existing) return `${name} already exists (${declaredAt(existing)}).`;
  if (pending.includes(name)) return `${name} is already used in this wizard.`;
  return undefined;
}

/** A new router or handler name: snake_case and unique within its kind. */
export function checkFunctionName(
  name: string,
  kind: "router" | "handler",
  graph: RegistryGraph | undefined,
  pending: readonly string[] = [],
): string | undefined {
  if (name.trim() === "") return "A name is required.";
  if (!FUNCTION_NAME.test(name)) return `Use lower-case snake_case for a ${kind}, e.g. acme_adt_${kind}.`;
  const existing = nodesOf(graph, kind).find((n) => n.name === name);
  if (existing) return `A ${kind} named ${name} already exists (${declaredAt(existing)}).`;
  if (pending.includes(name)) return `${name} is already used in this wizard.`;
  return undefined;
}

/** `env:KEY` references an environment value; anything else is a literal. */
export function parseEnvInput(input: string): { env: string } | undefined {
  const m = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(input.trim());
  return m ? { env: m[1]! } : undefined;
}

function literalPort(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

/**
 * A port as typed: 1–65535 or `env:KEY`. For an inbound listener it must not collide with another
 * listener in the graph or in this wizard (`pendingPorts`).
 */
export function checkPort(
  input: string,
  opts: { listening: boolean; graph?: RegistryGraph | undefined; pendingPorts?: readonly number[] },
): string | undefined {
  const text = input.trim();
  if (text === "") return "A port is required.";
  if (parseEnvInput(text)) return undefined;
  if (!/^\d+$/.test(text)) return "Enter a port number (1–65535) or env:KEY.";
  const port = Number(text);
  if (port < 1 || port > 65535) return "A port is between 1 and 65535.";
  if (!opts.listening) return undefined;
  for (const node of nodesOf(opts.graph, "inbound")) {
    if (!LISTENER_TRANSPORTS.has(node.transport ?? "")) continue;
    if (literalPort(node.settings?.port) === port) {
      return `Port ${port} is already used by ${node.name} (${declaredAt(node)}).`;
    }
  }
  if (opts.pendingPorts?.includes(port)) return `Port ${port} is already used in this wizard.`;
  return undefined;
}

/** `ADT^A01, ADT^A04` → the list, or an error naming the first bad entry. */
export function parseMessageTypes(input: string): { types: string[] } | { error: string } {
  const types = input
    .split(/[\s,;]+/)
    .map((t) => t.trim().toUpperCase())
    .filter((t) => t !== "");
  if (types.length === 0) return { error: "Enter at least one message type, e.g. ADT^A01." };
  const bad = types.find((t) => !MESSAGE_TYPE.test(t));
  if (bad) return { error: `"${bad}" is not a message type like ADT^A01.` };
  return { types: [...new Set(types)] };
}

/** An HL7 field path; with a catalog, the segment and field must exist in the message version. */
export function checkFieldPath(path: string, catalog?: FieldCatalog): string | undefined {
  const m = FIELD_PATH.exec(path.trim());
  if (!m) return `"${path}" is not a field path like PID-5 or PID-5.1.`;
  const segment = m[1]!;
  const field = Number(m[3]);
  if (field < 1) return "Field numbers start at 1.";
  if (!catalog || segment.startsWith("Z")) return undefined; // Z-segments are site-defined.
  const fields = catalog.fields(segment);
  if (!fields) return `Unknown segment ${segment} in this HL7 version.`;
  if (field > fields.length)
    return `${segment} has ${fields.length} fields; ${segment}-${field} does not exist.`;
  return undefined;
}

/** A module path relative to the config dir: `*.ts`, no `..`, not a helper, not already there. */
export function checkModuleFile(path: string, existingFiles: readonly string[] = []): string | undefined {
  const p = path.trim().replace(/\\/g, "/");
  if (!/^[A-Za-z0-9_][A-Za-z0-9_./-]*\.ts$/.test(p) || p.split("/").includes("..")) {
    return "Enter a relative path ending in .ts, e.g. acme_adt.ts.";
  }
  if ((p.split("/").pop() ?? "").startsWith("_"))
    return "Files starting with _ are helpers and are not loaded.";
  if (existingFiles.includes(p)) return `${p} already exists.`;
  return undefined;
}

export interface StepIssue {
  step: "inbound" | "router" | "handler" | "outbound" | "module";
  message: string;
}

/** One connection's answers: name, settings that its transport needs, ports. */
export function validateConnection(
  c: ConnectionAnswers,
  graph: RegistryGraph | undefined,
  pending: { names?: readonly string[]; ports?: readonly number[] } = {},
): string[] {
  const problems: string[] = [];
  const nameIssue = checkConnectionName(c.name, c.direction, graph, pending.names);
  if (nameIssue) problems.push(nameIssue);
  const needsPort =
    c.transport === "mllp" ||
    c.transport === "tcp" ||
    ((c.transport === "http" || c.transport === "soap") && c.direction === "inbound");
  if (needsPort) {
    const issue = checkPort(String(c.port ?? ""), {
      listening: c.direction === "inbound",
      graph,
      pendingPorts: pending.ports,
    });
    if (issue) problems.push(`${c.name}: ${issue}`);
  }
  if (
    c.direction === "outbound" &&
    (c.transport === "mllp" || c.transport === "tcp" || c.transport === "smtp") &&
    !c.host
  ) {
    problems.push(`${c.name}: a host is required.`);
  }
  if (c.transport === "file" && !c.path) problems.push(`${c.name}: a directory is required.`);
  if (
    (c.transport === "rest" ||
      c.transport === "amqp" ||
      (c.transport === "soap" && c.direction === "outbound")) &&
    !c.url
  )
    problems.push(`${c.name}: a URL is required.`);
  if (c.transport === "amqp" && c.direction === "inbound" && !c.queue)
    problems.push(`${c.name}: a queue is required.`);
  if (c.transport === "amqp" && c.direction === "outbound" && c.exchange === undefined)
    problems.push(`${c.name}: an exchange is required ("" for the default exchange).`);
  if (c.transport === "timer" && (c.cron === undefined) === (c.intervalMs === undefined))
    problems.push(`${c.name}: a cron expression or an interval is required.`);
  if (c.transport === "smtp" && !c.from) problems.push(`${c.name}: a sender address is required.`);
  if (c.transport === "smtp" && !c.to) problems.push(`${c.name}: a recipient is required.`);
  if (!HAND_WRITTEN.has(c.transport)) {
    for (const s of schemaSettings(c.transport, c.direction)) {
      const v = c.settings?.[s.key];
      const issue = v === undefined ? "is required." : checkSchemaSetting(s, String(v));
      if (issue !== undefined) problems.push(`${c.name}: ${s.key} ${issue}`);
    }
  }
  if (c.transport === "database") problems.push(...validateDatabase(c));
  if (c.direction === "inbound" && !c.router) problems.push(`${c.name}: an inbound names its router.`);
  return problems;
}

function validateDatabase(c: ConnectionAnswers): string[] {
  const d = c.database;
  if (!d) return [`${c.name}: host, database and user are required.`];
  const out: string[] = [];
  for (const [k, v] of [
    ["host", d.host],
    ["database", d.database],
    ["user", d.user],
  ] as const) {
    if (String(v ?? "").trim() === "") out.push(`${c.name}: a ${k} is required.`);
  }
  if (d.passwordEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(d.passwordEnv))
    out.push(`${c.name}: the password's env key must be letters, digits and _.`);
  if (c.direction === "inbound") {
    if (!d.query?.trim()) out.push(`${c.name}: a poll query is required.`);
    if ((d.markColumn === undefined) === (d.markProcessed === undefined))
      out.push(`${c.name}: give a high-water mark column or a mark-as-processed statement.`);
    if (d.markColumn !== undefined && !d.query?.includes(":mark"))
      out.push(`${c.name}: the query reads the high-water mark as :mark (e.g. WHERE id > :mark).`);
  } else if (!d.statement || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(d.statement.name) || !d.statement.sql.trim()) {
    out.push(`${c.name}: a statement name (letters, digits, _) and its SQL are required.`);
  }
  return out;
}

export function validateHandler(
  h: HandlerAnswers,
  knownOutbounds: ReadonlySet<string>,
  catalog?: FieldCatalog,
): string[] {
  const problems: string[] = [];
  const paths = [
    ...(h.filter ? [h.filter.path] : []),
    ...h.mappings.flatMap((m) => [m.target, ...(m.from ? [m.from] : [])]),
  ];
  for (const p of paths) {
    const issue = checkFieldPath(p, catalog);
    if (issue) problems.push(`${h.name}: ${issue}`);
  }
  for (const m of h.mappings) {
    if (m.from === undefined && m.value === undefined) {
      problems.push(`${h.name}: mapping to ${m.target} needs a source field or a value.`);
    }
  }
  const filterIssue = h.filter && checkFilter(h.filter);
  if (filterIssue) problems.push(`${h.name}: ${filterIssue}`);
  if (h.outbounds.length === 0) problems.push(`${h.name}: pick at least one outbound.`);
  for (const o of h.outbounds) {
    if (!knownOutbounds.has(o)) problems.push(`${h.name}: unknown outbound ${o}.`);
  }
  return problems;
}

/** Everything at once, as the wizard does before writing: each step's problems, in step order. */
export function validateRoute(
  a: RouteAnswers,
  graph: RegistryGraph | undefined,
  opts: { catalog?: FieldCatalog; existingFiles?: readonly string[] } = {},
): StepIssue[] {
  const issues: StepIssue[] = [];
  const add = (step: StepIssue["step"], messages: string[]) => {
    for (const message of messages) issues.push({ step, message });
  };
  add("inbound", validateConnection(a.inbound, graph));
  if (a.inbound.router !== a.router.name) {
    add("inbound", [`${a.inbound.name} must name the router ${a.router.name}.`]);
  }
  const routerIssue = checkFunctionName(a.router.name, "router", graph);
  add("router", routerIssue ? [routerIssue] : []);
  const typesIssue = a.router.messageTypes.length === 0 ? "Pick at least one message type." : undefined;
  const badType = a.router.messageTypes.map((t) => parseMessageTypes(t)).find((r) => "error" in r);
  add("router", [typesIssue, badType && "error" in badType ? badType.error : undefined].filter(isString));

  const outboundNames = new Set(nodesOf(graph, "outbound").map((n) => n.name));
  const seenOutbounds: string[] = [];
  const hl7 = (a.inbound.contentType ?? "hl7v2") === "hl7v2";
  for (const o of a.newOutbounds) {
    add("outbound", validateConnection(o, graph, { names: seenOutbounds }));
    const unbound = o.database?.statement ? unboundParams(o.database.statement.sql, hl7) : [];
    if (unbound.length > 0) {
      const can = Object.keys(paramSources(hl7)).map((p) => `:${p}`);
      add("outbound", [
        `${o.name}: the Route Wizard fills ${can.join(", ")} from the message, not ${unbound.map((p) => `:${p}`).join(", ")}; add the statement in connections.toml and bind it in the handler yourself.`,
      ]);
    }
    seenOutbounds.push(o.name);
    outboundNames.add(o.name);
  }
  if (a.handlers.length === 0) add("handler", ["Add at least one handler."]);
  const seenHandlers: string[] = [];
  for (const h of a.handlers) {
    const nameIssue = checkFunctionName(h.name, "handler", graph, seenHandlers);
    add("handler", nameIssue ? [nameIssue] : []);
    seenHandlers.push(h.name);
    add("handler", validateHandler(h, outboundNames, opts.catalog));
  }
  const fileIssue = checkModuleFile(a.moduleFile, opts.existingFiles);
  add("module", fileIssue ? [fileIssue] : []);
  return issues;
}

function isString(v: string | undefined): v is string {
  return typeof v === "string";
}
