/**
 * The Route Wizard: inbound (transport, port or path, content type) → router (message types) → handler
 * (filter and field mappings picked from the HL7 definitions) → outbound(s) (existing or new) → module
 * file. Every step validates against the live graph from the language server; Back returns to the
 * previous step with its answer kept. The result is written with one WorkspaceEdit and opened.
 */
import type { RegistryGraph } from "messagefoundry/graph";
import * as vscode from "vscode";
import { requestGraph } from "../lsp/graph.js";
import type { Services } from "../services.js";
import { configFiles } from "../workspace/configDirs.js";
import { catalogFor, type FieldChoice, fieldChoices, messageTypesOf, repeatsOf } from "./catalog.js";
import { askConnectionSettings, askTransport, settingsQuestionCount } from "./connectionSteps.js";
import {
  CONTENT_TYPES,
  type ContentType,
  checkConnectionName,
  checkFieldPath,
  checkFunctionName,
  checkModuleFile,
  checkNumber,
  type FieldMapping,
  type FilterOp,
  type FilterRule,
  filterOver,
  generateRoute,
  NUMERIC_OPS,
  parseMessageTypes,
  parseValueList,
  type Quantifier,
  ROUTE_NEXT_STEPS,
  type RouteAnswers,
  routeWrittenMessage,
  suggestFreeNames,
  validateRoute,
} from "./model.js";
import { BackSignal, type PickItem, runSteps, type Step, type StepInput } from "./steps.js";
import { writeWizardResult } from "./write.js";

interface State {
  partner: string;
  message: string;
  answers: RouteAnswers;
  newOutbound: boolean;
}

const NEW_OUTBOUND = "\u0000new";

export async function runRouteWizard(services: Services, configDir: vscode.Uri): Promise<void> {
  const live = await requestGraph(services.languageClient(), configDir);
  if (!live) {
    void vscode.window.showWarningMessage(
      "The language server has not loaded this config yet; names and ports are checked without the live graph.",
    );
  }
  const graph: RegistryGraph | undefined = live?.graph;
  const existingFiles = await configFiles(configDir);
  const version =
    vscode.workspace.getConfiguration("messagefoundry", configDir).get<string>("hl7Version") || "2.5";
  const catalog = catalogFor(version);
  const state: State = {
    partner: "",
    message: "ADT",
    newOutbound: false,
    answers: {
      inbound: { direction: "inbound", name: "", transport: "mllp", contentType: "hl7v2" },
      router: { name: "", messageTypes: [] },
      handlers: [{ name: "", mappings: [], outbounds: [] }],
      newOutbounds: [],
      moduleFile: "",
    },
  };
  // Free names only: nothing the workspace's graph or config dir already uses (IB_LAB_ORU_2 if IB_LAB_ORU exists).
  const names = () => suggestFreeNames(state.partner, state.message, graph, existingFiles);
  const hl7 = () => (state.answers.inbound.contentType ?? "hl7v2") === "hl7v2";

  const steps: Step<State>[] = [
    async (input, s) => {
      s.partner = await input.text({
        prompt: "Partner (the system on the other end), e.g. ACME",
        value: s.partner,
        validate: (v) =>
          /^[A-Za-z][A-Za-z0-9 _-]*$/.test(v.trim()) ? undefined : "Letters, digits, spaces, _ or -.",
      });
    },
    async (input, s) => {
      s.message = await input.text({
        prompt: "Message family, e.g. ADT, ORU, ORM",
        value: s.message,
        validate: (v) => (/^[A-Za-z0-9]+$/.test(v.trim()) ? undefined : "Letters and digits only, e.g. ADT."),
      });
    },
    async (input, s) => {
      s.answers.inbound.transport = await askTransport(input, "inbound", s.answers.inbound.transport);
    },
    async (input, s) => {
      const a = s.answers.inbound;
      a.name = await input.text({
        prompt: "Inbound connection name ([TYPE]_[PARTNER]_[MESSAGE])",
        value: a.name || names().inbound,
        validate: (v) => checkConnectionName(v, "inbound", graph),
      });
    },
    async (input, s) => {
      input.about("inbound settings", settingsQuestionCount(s.answers.inbound));
      await askConnectionSettings(input, s.answers.inbound, graph);
    },
    async (input, s) => {
      s.answers.inbound.contentType = await input.pick<ContentType>({
        placeholder: "What does this inbound receive?",
        items: CONTENT_TYPES.map((t) => ({
          label: t,
          value: t,
          description: t === "hl7v2" ? "HL7 v2 (default)" : "",
        })),
        // A database source sends each row as JSON, an X12 connection interchanges: offer that first.
        activeValue:
          s.answers.inbound.transport === "database"
            ? "json"
            : s.answers.inbound.transport === "dicom"
              ? "dicom"
              : s.answers.inbound.transport === "x12"
                ? "x12"
                : (s.answers.inbound.contentType ?? "hl7v2"),
      });
    },
    async (input, s) => {
      s.answers.router.name = await input.text({
        prompt: "Router name",
        value: s.answers.router.name || names().router,
        validate: (v) => checkFunctionName(v, "router", graph),
      });
      s.answers.inbound.router = s.answers.router.name;
    },
    async (input, s) => {
      if (!hl7()) {
        s.answers.router.messageTypes = [];
        return;
      }
      s.answers.router.messageTypes = await askMessageTypes(
        input,
        version,
        s.message,
        s.answers.router.messageTypes,
      );
    },
    async (input, s) => {
      const h = s.answers.handlers[0]!;
      h.name = await input.text({
        prompt: "Handler name",
        value: h.name || names().handler,
        validate: (v) => checkFunctionName(v, "handler", graph),
      });
    },
    async (input, s) => {
      if (!hl7()) return;
      const h = s.answers.handlers[0]!;
      const filter = await askFilter(
        input,
        h.filter,
        () => fieldChoices(version, s.answers.router.messageTypes),
        catalog,
        (path) => repeatsOf(version, s.answers.router.messageTypes, path),
      );
      if (filter) h.filter = filter;
      else delete h.filter;
    },
    async (input, s) => {
      if (!hl7()) return;
      const h = s.answers.handlers[0]!;
      h.mappings = await askMappings(
        input,
        h.mappings,
        () => fieldChoices(version, s.answers.router.messageTypes),
        catalog,
      );
    },
    async (input, s) => {
      const existing = (graph?.nodes ?? []).filter((n) => n.kind === "outbound");
      const items: PickItem<string>[] = [
        { label: "$(add) New outbound connection…", value: NEW_OUTBOUND, alwaysShow: true },
        ...existing.map((n) => ({ label: n.name, description: n.transport ?? "", value: n.name })),
      ];
      const picked = await input.pickMany({
        placeholder: "Send to which outbound(s)? Enter takes the highlighted one; Space ticks more.",
        items,
        selected: [...s.answers.handlers[0]!.outbounds, ...(s.newOutbound ? [NEW_OUTBOUND] : [])],
      });
      s.newOutbound = picked.includes(NEW_OUTBOUND);
      s.answers.handlers[0]!.outbounds = picked.filter((p) => p !== NEW_OUTBOUND);
    },
    async (input, s) => {
      if (!s.newOutbound) {
        s.answers.newOutbounds = [];
        return;
      }
      const prev = s.answers.newOutbounds[0];
      const o = prev ?? { direction: "outbound" as const, name: "", transport: "mllp" as const };
      input.about("new outbound connection");
      o.transport = await askTransport(input, "outbound", o.transport);
      const settings = settingsQuestionCount(o);
      input.about("new outbound connection", settings === undefined ? undefined : 2 + settings);
      o.name = await input.text({
        prompt: "New outbound connection name",
        value: o.name || names().outbound,
        validate: (v) => checkConnectionName(v, "outbound", graph),
      });
      await askConnectionSettings(input, o, graph);
      s.answers.newOutbounds = [o];
      const h = s.answers.handlers[0]!;
      if (!h.outbounds.includes(o.name)) h.outbounds.unshift(o.name);
    },
    async (input, s) => {
      s.answers.moduleFile = await input.text({
        prompt: "New module file (relative to the config dir)",
        value: s.answers.moduleFile || names().moduleFile,
        validate: (v) => checkModuleFile(v, existingFiles),
      });
    },
  ];

  if (!(await runSteps(steps, state, "New Route"))) return;
  const issues = validateRoute(state.answers, graph, { catalog, existingFiles });
  if (issues.length > 0) {
    void vscode.window.showErrorMessage(
      `The route was not written: ${issues.map((i) => i.message).join(" ")}`,
    );
    return;
  }
  if (!(await writeWizardResult(configDir, generateRoute(state.answers)))) return;
  // Next steps as buttons that run them: try the route, then stage and promote it.
  const next = await vscode.window.showInformationMessage(
    routeWrittenMessage(state.answers.router.name, state.answers.moduleFile),
    ...ROUTE_NEXT_STEPS.map((n) => n.title),
  );
  const step = ROUTE_NEXT_STEPS.find((n) => n.title === next);
  if (step) await vscode.commands.executeCommand(step.command);
}

/**
 * The message types (MSH-9) the router accepts: the trigger events the HL7 version defines for the
 * family (ORU → ORU^R01, ORU^R30…), nothing pre-ticked but earlier answers; typed by hand only for a
 * family the version does not define (a Z message).
 */
async function askMessageTypes(
  input: StepInput,
  version: string,
  family: string,
  current: readonly string[],
): Promise<string[]> {
  const defined = messageTypesOf(version, family);
  if (defined.length === 0) {
    const typed = await input.text({
      prompt: `HL7 ${version} defines no ${family.toUpperCase()} messages: type the message types this route accepts (MSH-9), comma-separated, e.g. ${family.toUpperCase()}^Z01`,
      value: current.join(", "),
      validate: (v) => {
        const r = parseMessageTypes(v);
        return "error" in r ? r.error : undefined;
      },
    });
    const parsed = parseMessageTypes(typed);
    return "types" in parsed ? parsed.types : [];
  }
  return input.pickMany({
    placeholder: `Which ${family.toUpperCase()} messages (MSH-9, HL7 ${version})? Enter takes the highlighted one; Space ticks more.`,
    items: defined.map((t) => ({ label: t.type, description: t.description, value: t.type })),
    selected: current.filter((t) => defined.some((d) => d.type === t)),
  });
}

const OP_LABELS: Record<FilterOp, string> = {
  oneOf: "is one of…",
  notOneOf: "is none of…",
  equals: "equals…",
  notEquals: "is not…",
  present: "is not empty",
  absent: "is empty",
  lt: "is less than… (a number)",
  le: "is at most… (a number)",
  gt: "is greater than… (a number)",
  ge: "is at least… (a number)",
  between: "is between… and… (numbers, inclusive)",
};

/**
 * The handler's filter: keep every message, or only those where a field (any / every / the first of its
 * occurrences, when it can occur more than once) meets a condition.
 */
async function askFilter(
  input: StepInput,
  current: FilterRule | undefined,
  choices: () => FieldChoice[],
  catalog: ReturnType<typeof catalogFor>,
  repeats: (path: string) => { segment: boolean; field: boolean },
): Promise<FilterRule | undefined> {
  input.about("filter");
  const keepAll = await input.pick<boolean>({
    placeholder: "Which messages does the handler keep (its filter)?",
    items: [
      { label: "Keep every message", value: true },
      {
        label: "Keep only messages where a field…",
        description: "e.g. any OBX-8 is one of H, L",
        value: false,
      },
    ],
    activeValue: current === undefined,
  });
  if (keepAll) return undefined;
  const path = await pickField(
    input,
    "Keep only messages where which field…",
    current?.path,
    choices,
    catalog,
  );
  const r = repeats(path);
  let quantifier: Quantifier = "first";
  if (r.segment || r.field) {
    const where = r.segment ? `${path.slice(0, 3)} segment` : "repetition";
    quantifier = await input.pick<Quantifier>({
      placeholder: `${path} can occur more than once in these messages: which occurrences?`,
      items: [
        { label: `any ${path}`, description: `at least one ${where} matches`, value: "any" },
        { label: `every ${path}`, description: `every ${where} matches (and there is one)`, value: "all" },
        { label: `the first ${path}`, description: `only the first ${where} is read`, value: "first" },
      ],
      activeValue: current?.quantifier ?? "any",
    });
  }
  const op = await input.pick<FilterOp>({
    placeholder: `Keep only messages where ${quantifier === "first" ? path : `${quantifier === "any" ? "any" : "every"} ${path}`}…`,
    items: (Object.keys(OP_LABELS) as FilterOp[]).map((o) => ({ label: OP_LABELS[o], value: o })),
    activeValue: current?.op ?? "oneOf",
  });
  const rule: FilterRule = { path, op };
  if (quantifier !== "first") {
    rule.quantifier = quantifier;
    rule.over = filterOver(r, quantifier, op);
  }
  if (op === "oneOf" || op === "notOneOf") {
    const typed = await input.text({
      prompt: `Values of ${path}, separated by commas, e.g. H, L, HH, LL, A, AA`,
      value: (current?.values ?? []).join(", "),
      validate: (v) => (parseValueList(v).length === 0 ? "Enter at least one value." : undefined),
    });
    rule.values = parseValueList(typed);
  } else if (op === "equals" || op === "notEquals") {
    rule.value = await input.text({
      prompt: `Value of ${path}`,
      value: current?.value ?? "",
      validate: () => undefined,
    });
  } else if (NUMERIC_OPS.has(op)) {
    rule.value = await input.text({
      prompt: op === "between" ? `Lowest value of ${path} (a number)` : `Compare ${path} with (a number)`,
      value: current?.value ?? "",
      validate: checkNumber,
    });
    if (op === "between") {
      const low = Number(rule.value);
      rule.high = await input.text({
        prompt: `Highest value of ${path} (a number, at least ${rule.value})`,
        value: current?.high ?? "",
        validate: (v) => checkNumber(v) ?? (Number(v) < low ? `At least ${rule.value}.` : undefined),
      });
    }
  }
  return rule;
}

async function askMappings(
  input: StepInput,
  current: FieldMapping[],
  choices: () => FieldChoice[],
  catalog: ReturnType<typeof catalogFor>,
): Promise<FieldMapping[]> {
  const mappings = [...current];
  for (;;) {
    const action = await input.pick<number | "add" | "done">({
      placeholder: `Field mappings (${mappings.length}) — pick one to remove it`,
      items: [
        {
          label: `$(check) Done (${mappings.length} mapping${mappings.length === 1 ? "" : "s"})`,
          value: "done",
        },
        { label: "$(add) Add a field mapping…", value: "add" },
        ...mappings.map((m, i) => ({ label: `$(trash) ${describeMapping(m)}`, value: i })),
      ],
    });
    if (action === "done") return mappings;
    if (typeof action === "number") {
      mappings.splice(action, 1);
      continue;
    }
    try {
      const target = await pickField(input, "Set which field?", undefined, choices, catalog);
      const kind = await input.pick<"copy" | "upper" | "lower" | "trim" | "value">({
        placeholder: `${target} gets…`,
        items: [
          { label: "A constant value", value: "value" },
          { label: "A copy of another field", value: "copy" },
          { label: "Another field, upper-cased", value: "upper" },
          { label: "Another field, lower-cased", value: "lower" },
          { label: "Another field, trimmed", value: "trim" },
        ],
      });
      if (kind === "value") {
        const value = await input.text({ prompt: `Value for ${target}`, validate: () => undefined });
        mappings.push({ target, value });
      } else {
        const from = await pickField(input, `Copy ${target} from which field?`, target, choices, catalog);
        mappings.push(kind === "copy" ? { target, from } : { target, from, transform: kind });
      }
    } catch (err) {
      if (!(err instanceof BackSignal)) throw err; // Back inside "add" returns to the mapping list.
    }
  }
}

function describeMapping(m: FieldMapping): string {
  if (m.from === undefined) return `${m.target} = "${m.value ?? ""}"`;
  return m.transform ? `${m.target} = ${m.transform}(${m.from})` : `${m.target} = ${m.from}`;
}

/** A field from the definitions, or typed (e.g. a Z-segment or a subcomponent), validated. */
async function pickField(
  input: StepInput,
  placeholder: string,
  current: string | undefined,
  choices: () => FieldChoice[],
  catalog: ReturnType<typeof catalogFor>,
): Promise<string> {
  const OTHER = "\u0000other";
  const picked = await input.pick<string>({
    placeholder: `${placeholder} (type a path or a name, e.g. PID-5 or "abnormal")`,
    matchOnDescription: true,
    items: [
      { label: "$(edit) Type a field path…", value: OTHER, alwaysShow: true },
      ...choices().map((c) => ({ label: c.path, description: c.description, value: c.path })),
    ],
    ...(current ? { activeValue: current } : {}),
  });
  if (picked !== OTHER) return picked;
  return input.text({
    prompt: "Field path, e.g. PID-5.1 or ZPI-2",
    value: current ?? "",
    validate: (v) => checkFieldPath(v, catalog),
  });
}
