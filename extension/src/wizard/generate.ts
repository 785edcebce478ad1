/**
 * Wizard answers → files. The TypeScript module holds the router and handlers (the logic a developer
 * will later edit by hand, so it reads like hand-written code); new connections go to connections.toml
 * as data, appended after whatever the user already has so comments and layout are untouched.
 */

import { namedParams, paramSources } from "./dbParams.js";
import { filterLines } from "./filterCode.js";
import type {
  ConnectionAnswers,
  DatabaseAnswers,
  FieldMapping,
  GeneratedFiles,
  HandlerAnswers,
  RouteAnswers,
  SettingInput,
} from "./types.js";
import { parseEnvInput } from "./validate.js";

const q = (s: string) => JSON.stringify(s);

/** The statement each new database outbound declares, by outbound name (its handlers send it). */
export function statementsOf(
  newOutbounds: readonly ConnectionAnswers[],
): ReadonlyMap<string, { name: string; sql: string }> {
  return new Map(
    newOutbounds.flatMap((o) => (o.database?.statement ? [[o.name, o.database.statement] as const] : [])),
  );
}

/** The route as one readable module plus the connections.toml text to append. */
export function generateRoute(a: RouteAnswers): GeneratedFiles {
  const hl7 = (a.inbound.contentType ?? "hl7v2") === "hl7v2";
  const statements = statementsOf(a.newOutbounds);
  const usesDb = a.handlers.some((h) => h.outbounds.some((o) => statements.has(o)));
  const imports = usesDb ? ["dbStatement", "handler", "router", "send"] : ["handler", "router", "send"];
  const lines: string[] = [];
  const outbounds = [...new Set(a.handlers.flatMap((h) => h.outbounds))];
  lines.push(`// Route ${a.inbound.name} → ${a.router.name} → ${outbounds.join(", ")}.`);
  const tomlNames = [a.inbound.name, ...a.newOutbounds.map((o) => o.name)].join(", ");
  lines.push(
    `// Written by the MessageFoundry Route Wizard; edit freely. ${tomlNames}: see connections.toml.`,
  );
  lines.push(`import { ${imports.join(", ")} } from "messagefoundry";`);
  lines.push("");
  lines.push(...routerLines(a, hl7));
  for (const h of a.handlers) {
    lines.push("");
    lines.push(...handlerLines(h, hl7, statements));
  }
  lines.push("");
  const toml = [a.inbound, ...a.newOutbounds].map(connectionToml).join("");
  return { module: { path: a.moduleFile, text: lines.join("\n") }, tomlAppend: toml };
}

function routerLines(a: RouteAnswers, hl7: boolean): string[] {
  return routerCode(
    a.router.name,
    hl7 ? a.router.messageTypes : undefined,
    a.handlers.map((h) => h.name),
  );
}

/**
 * A router returning `targets`; with `messageTypes` (HL7) only for those MSH-9 types, anything else
 * left unrouted.
 */
export function routerCode(
  name: string,
  messageTypes: readonly string[] | undefined,
  targets: readonly string[],
): string[] {
  const list = `[${targets.map(q).join(", ")}]`;
  if (!messageTypes) {
    return [`router(${q(name)}, () => ${list});`];
  }
  const types = messageTypes.map(q).join(", ");
  return [
    `// Message types this route accepts (MSH-9); anything else is left unrouted.`,
    `const ACCEPTED = new Set([${types}]);`,
    "",
    `router(${q(name)}, (msg) => (ACCEPTED.has(msg.messageType) ? ${list} : []));`,
  ];
}

/** A handler: its filter, its field mappings and its send(s) (a database outbound's statement with params). */
export function handlerLines(
  h: HandlerAnswers,
  hl7: boolean,
  statements: ReadonlyMap<string, { name: string; sql: string }>,
): string[] {
  const body: string[] = [];
  if (hl7 && h.filter) body.push(...filterLines(h.filter));
  if (hl7 && h.mappings.length > 0) {
    body.push("  // Field mappings.");
    for (const m of h.mappings) body.push(`  ${mappingLine(m)}`);
  }
  const sends = h.outbounds.map((o) => sendExpr(o, hl7, statements.get(o)));
  body.push(sends.length === 1 ? `  return ${sends[0]};` : `  return [${sends.join(", ")}];`);
  return [`handler(${q(h.name)}, (msg) => {`, ...body, "});"];
}

/** `send(o, msg)`, or for a database outbound its statement with the params taken from the message. */
function sendExpr(o: string, hl7: boolean, statement: { name: string; sql: string } | undefined): string {
  if (!statement) return `send(${q(o)}, msg)`;
  const sources = paramSources(hl7);
  const params = namedParams(statement.sql).map((p) => `${p}: ${sources[p] ?? "null"}`);
  return `send(${q(o)}, dbStatement(${q(statement.name)}, { ${params.join(", ")} }))`;
}

function mappingLine(m: FieldMapping): string {
  if (m.from === undefined) return `msg.set(${q(m.target)}, ${q(m.value ?? "")});`;
  const source = `msg.get(${q(m.from)})`;
  switch (m.transform) {
    case "upper":
      return `msg.set(${q(m.target)}, ${source}?.toUpperCase());`;
    case "lower":
      return `msg.set(${q(m.target)}, ${source}?.toLowerCase());`;
    case "trim":
      return `msg.set(${q(m.target)}, ${source}?.trim());`;
    default:
      return `msg.set(${q(m.target)}, ${source});`;
  }
}

/** A TOML value for a typed setting: numbers stay numbers, `env:KEY` becomes an env table. */
function tomlValue(input: SettingInput, cast?: "int"): string {
  if (typeof input === "number") return String(input);
  const ref = parseEnvInput(input);
  if (ref) return cast ? `{ env = ${q(ref.env)}, cast = "int" }` : `{ env = ${q(ref.env)} }`;
  if (cast === "int" && /^\d+$/.test(input.trim())) return input.trim();
  return q(input); // JSON string escapes are valid TOML basic-string escapes.
}

/** One `[[inbound]]` / `[[outbound]]` table, with a blank line before it. */
export function connectionToml(c: ConnectionAnswers): string {
  const settings: string[] = [];
  if (c.host !== undefined) settings.push(`host = ${tomlValue(c.host)}`);
  if (c.port !== undefined) settings.push(`port = ${tomlValue(c.port, "int")}`);
  if (c.path !== undefined) settings.push(`path = ${q(c.path)}`);
  if (c.url !== undefined) settings.push(`url = ${tomlValue(c.url)}`);
  if (c.queue !== undefined) settings.push(`queue = ${tomlValue(c.queue)}`);
  if (c.exchange !== undefined) settings.push(`exchange = ${tomlValue(c.exchange)}`);
  if (c.routingKey !== undefined) settings.push(`routingKey = ${tomlValue(c.routingKey)}`);
  if (c.cron !== undefined) settings.push(`cron = ${q(c.cron)}`);
  if (c.intervalMs !== undefined) settings.push(`intervalMs = ${c.intervalMs}`);
  if (c.operation !== undefined) settings.push(`operation = ${q(c.operation)}`);
  if (c.from !== undefined) settings.push(`from = ${tomlValue(c.from)}`);
  if (c.to !== undefined) settings.push(`to = ${tomlValue(c.to)}`);
  for (const [key, value] of Object.entries(c.settings ?? {})) {
    settings.push(`${key} = ${tomlValue(value)}`);
  }
  if (c.database !== undefined) settings.push(...databaseSettings(c.database));
  const lines = ["", `[[${c.direction}]]`, `name = ${q(c.name)}`, `transport = ${q(c.transport)}`];
  if (c.direction === "inbound") {
    if (c.router) lines.push(`router = ${q(c.router)}`);
    lines.push(`contentType = ${q(c.contentType ?? "hl7v2")}`);
  }
  // A settings sub-table, as in the samples: one setting per line reads and diffs best.
  lines.push(`[${c.direction}.settings]`, ...settings);
  const statement = c.direction === "outbound" ? c.database?.statement : undefined;
  if (statement)
    lines.push(`[${c.direction}.settings.statements]`, `${statement.name} = ${q(statement.sql)}`);
  return `${lines.join("\n")}\n`;
}

function databaseSettings(d: DatabaseAnswers): string[] {
  const out = [`dialect = ${q(d.dialect)}`, `host = ${tomlValue(d.host)}`];
  if (d.port !== undefined && d.port !== "") out.push(`port = ${tomlValue(d.port, "int")}`);
  out.push(`database = ${tomlValue(d.database)}`, `user = ${tomlValue(d.user)}`);
  if (d.passwordEnv) out.push(`password = { env = ${q(d.passwordEnv)} }`);
  if (d.query !== undefined) out.push(`query = ${q(d.query)}`);
  if (d.markColumn !== undefined) out.push(`markColumn = ${q(d.markColumn)}`, 'markStart = "0"');
  if (d.markProcessed !== undefined) out.push(`markProcessed = ${q(d.markProcessed)}`);
  return out;
}

/** The Connection Wizard's result: one table to append. */
export function generateConnection(c: ConnectionAnswers): string {
  return connectionToml(c);
}

/**
 * What to insert at the end of an existing connections.toml (or the whole text of a new one) so the
 * appended tables start on a fresh line.
 */
export function appendToToml(existing: string | undefined, tables: string): string {
  if (tables === "") return "";
  if (existing === undefined || existing.trim() === "") {
    return `# Connections as data (MessageFoundry).\n${tables}`;
  }
  return existing.endsWith("\n") ? tables : `\n${tables}`;
}
