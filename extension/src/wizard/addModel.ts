/**
 * The Router and Handler Wizards' pure part: which inbounds may get a router and which routers may get a
 * handler (from the workspace's graph), and the code each writes — a router module for an inbound, or a
 * handler appended to a router's module with its name added to the router's returned list. The code
 * comes from the Route Wizard's generators (generate.ts, filterCode.ts); nothing is written twice.
 */
import type { GraphNode, RegistryGraph } from "messagefoundry/graph";
import { connectionToml, handlerLines, routerCode, statementsOf } from "./generate.js";
import { addHandlerToRouter, addImports, type TextEdit } from "./tsEdit.js";
import type { ConnectionAnswers, FieldCatalog, HandlerAnswers } from "./types.js";
import { checkFunctionName, checkModuleFile, validateConnection, validateHandler } from "./validate.js";

/** An inbound as the Router Wizard lists it: the router it names, and whether that router exists. */
export interface InboundChoice {
  name: string;
  transport: string;
  router: string | undefined;
  /** The declared router exists (the wizard refuses such an inbound). */
  routed: GraphNode | undefined;
  hl7: boolean;
}

const hl7Of = (n: GraphNode | undefined) => (n?.options?.contentType ?? "hl7v2") === "hl7v2";

/** The graph's inbounds, those still without a router first. */
export function inboundChoices(graph: RegistryGraph | undefined): InboundChoice[] {
  const nodes = graph?.nodes ?? [];
  const out = nodes
    .filter((n) => n.kind === "inbound")
    .map((n): InboundChoice => {
      const router =
        graph?.edges.find((e) => e.kind === "inbound-router" && e.from === n.name)?.to ?? undefined;
      const routed = nodes.find((r) => r.kind === "router" && r.name === router);
      return { name: n.name, transport: n.transport ?? "", router, routed, hl7: hl7Of(n) };
    });
  return [...out.filter((c) => !c.routed), ...out.filter((c) => c.routed)];
}

/** Why the Router Wizard refuses an inbound (it already has a router), or undefined. */
export function checkInboundForRouter(choice: InboundChoice): string | undefined {
  if (!choice.routed) return undefined;
  const at = `${choice.routed.location.file}:${choice.routed.location.line}`;
  return `${choice.name} already has a router, ${choice.routed.name} (${at}). Add a handler to it with "Add Handler to Router…" instead.`;
}

export interface RouterWizardAnswers {
  inbound: string;
  hl7: boolean;
  /** The name the inbound declares (its `router` setting). */
  router: string;
  /** HL7: the MSH-9 types routed (empty: every message). */
  messageTypes: string[];
  /** Existing handlers the router returns. */
  existingHandlers: string[];
  /** Handlers this wizard creates (in the router's module). */
  newHandlers: HandlerAnswers[];
  newOutbounds: ConnectionAnswers[];
  moduleFile: string;
}

/** The router module: the router, then each new handler; and the new outbounds' connections.toml tables. */
export function generateRouterModule(a: RouterWizardAnswers): {
  module: { path: string; text: string };
  tomlAppend: string;
} {
  const targets = [...a.existingHandlers, ...a.newHandlers.map((h) => h.name)];
  const statements = statementsOf(a.newOutbounds);
  const usesDb = a.newHandlers.some((h) => h.outbounds.some((o) => statements.has(o)));
  const imports = [
    ...(usesDb ? ["dbStatement"] : []),
    ...(a.newHandlers.length > 0 ? ["handler", "router", "send"] : ["router"]),
  ];
  const lines = [
    `// Router for ${a.inbound}: ${targets.join(", ")}.`,
    "// Written by the MessageFoundry Router Wizard; edit freely.",
    `import { ${imports.join(", ")} } from "messagefoundry";`,
    "",
    ...routerCode(a.router, a.hl7 && a.messageTypes.length > 0 ? a.messageTypes : undefined, targets),
  ];
  for (const h of a.newHandlers) lines.push("", ...handlerLines(h, a.hl7, statements));
  lines.push("");
  return {
    module: { path: a.moduleFile, text: lines.join("\n") },
    tomlAppend: a.newOutbounds.map(connectionToml).join(""),
  };
}

/** Everything the Router Wizard checks before writing. */
export function validateRouterWizard(
  a: RouterWizardAnswers,
  graph: RegistryGraph | undefined,
  opts: { catalog?: FieldCatalog; existingFiles?: readonly string[] } = {},
): string[] {
  const problems: string[] = [];
  const choice = inboundChoices(graph).find((c) => c.name === a.inbound);
  if (!choice) problems.push(`No inbound named ${a.inbound}.`);
  else {
    const refused = checkInboundForRouter(choice);
    if (refused) problems.push(refused);
  }
  const fn = checkFunctionName(a.router, "router", graph);
  if (fn) problems.push(fn);
  if (a.existingHandlers.length + a.newHandlers.length === 0) problems.push("Route to at least one handler.");
  const handlers = new Set((graph?.nodes ?? []).filter((n) => n.kind === "handler").map((n) => n.name));
  for (const h of a.existingHandlers) if (!handlers.has(h)) problems.push(`No handler named ${h}.`);
  problems.push(...newHandlerProblems(a.newHandlers, a.newOutbounds, graph, opts.catalog));
  const file = checkModuleFile(a.moduleFile, opts.existingFiles);
  if (file) problems.push(file);
  return problems;
}

function newHandlerProblems(
  handlers: readonly HandlerAnswers[],
  newOutbounds: readonly ConnectionAnswers[],
  graph: RegistryGraph | undefined,
  catalog: FieldCatalog | undefined,
): string[] {
  const problems: string[] = [];
  const known = new Set([
    ...(graph?.nodes ?? []).filter((n) => n.kind === "outbound").map((n) => n.name),
    ...newOutbounds.map((o) => o.name),
  ]);
  for (const [i, h] of handlers.entries()) {
    const name = checkFunctionName(
      h.name,
      "handler",
      graph,
      handlers.slice(0, i).map((x) => x.name),
    );
    if (name) problems.push(name);
    problems.push(...validateHandler(h, known, catalog));
  }
  for (const o of newOutbounds) problems.push(...validateConnection(o, graph));
  return problems;
}

/** A router the Handler Wizard can extend: declared in TypeScript (its code is what changes). */
export function routerChoices(graph: RegistryGraph | undefined): GraphNode[] {
  return (graph?.nodes ?? []).filter((n) => n.kind === "router" && n.origin === "ts");
}

/** Whether the router's inbound(s) carry HL7 v2 (filters and field mappings need a parsed message). */
export function routerIsHl7(graph: RegistryGraph | undefined, router: string): boolean {
  const inbounds = (graph?.edges ?? [])
    .filter((e) => e.kind === "inbound-router" && e.to === router)
    .map((e) => graph?.nodes.find((n) => n.kind === "inbound" && n.name === e.from));
  return inbounds.every(hl7Of);
}

export interface HandlerWizardAnswers {
  router: string;
  hl7: boolean;
  handler: HandlerAnswers;
  newOutbounds: ConnectionAnswers[];
}

/**
 * The edits to the router's module: the handler's name added to the router's returned list(s), the
 * handler appended at the end of the module, `handler`/`send` imported if missing. Or why not.
 */
export function handlerEdits(
  moduleText: string,
  a: HandlerWizardAnswers,
): { edits: TextEdit[] } | { error: string } {
  const route = addHandlerToRouter(moduleText, a.router, a.handler.name);
  if ("error" in route) return route;
  const statements = statementsOf(a.newOutbounds);
  const end = moduleText.length;
  const sep = moduleText.endsWith("\n") ? "\n" : "\n\n";
  const code = [
    `// Added by the MessageFoundry Handler Wizard to ${a.router}; edit freely.`,
    ...handlerLines(a.handler, a.hl7, statements),
  ];
  return {
    edits: [
      ...addImports(moduleText, [
        "handler",
        "send",
        ...(a.handler.outbounds.some((o) => statements.has(o)) ? ["dbStatement"] : []),
      ]),
      ...route.edits,
      { start: end, end, text: `${sep}${code.join("\n")}\n` },
    ],
  };
}

/** Everything the Handler Wizard checks before writing. */
export function validateHandlerWizard(
  a: HandlerWizardAnswers,
  graph: RegistryGraph | undefined,
  catalog?: FieldCatalog,
): string[] {
  const problems: string[] = [];
  if (!routerChoices(graph).some((r) => r.name === a.router))
    problems.push(`No router named ${a.router} in a TypeScript module.`);
  return [...problems, ...newHandlerProblems([a.handler], a.newOutbounds, graph, catalog)];
}

/** `lab_oru_router` → `lab_oru_handler` (or `lab_oru_2_handler`…, the first free handler name). */
export function suggestHandlerName(router: string, graph: RegistryGraph | undefined): string {
  const base = router.replace(/_router$/, "");
  const used = new Set((graph?.nodes ?? []).filter((n) => n.kind === "handler").map((n) => n.name));
  for (let n = 1; ; n++) {
    const name = n === 1 ? `${base}_handler` : `${base}_${n}_handler`;
    if (!used.has(name)) return name;
  }
}

/** The notification once a router or handler is written. */
export function addedMessage(what: "router" | "handler", name: string, file: string): string {
  return `${what === "router" ? "Router" : "Handler"} ${name} written to ${file}. Next: try it with a sample in the Test Bench, then stage and promote it to an engine.`;
}

/** `IB_LAB_ORU` → `ORU` (the last word of a conventional name). */
export function familyOfInbound(inbound: string): string {
  return inbound.split("_").pop() || "ADT";
}

/** `lab_router.ts`, or `lab_router_2.ts`… when the config dir has it already. */
export function freeModuleFile(name: string, existing: readonly string[]): string {
  if (!existing.includes(name)) return name;
  for (let n = 2; ; n++) {
    const candidate = name.replace(/\.ts$/, `_${n}.ts`);
    if (!existing.includes(candidate)) return candidate;
  }
}

/** The name of the config explorer item a command was run on (its context menu), if any. */
export function explorerNodeName(arg: unknown): string | undefined {
  const name = (arg as { item?: { name?: unknown } } | undefined)?.item?.name;
  return typeof name === "string" ? name : undefined;
}
