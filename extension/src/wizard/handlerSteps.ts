/**
 * The steps that build a handler or a router, shared by the Route, Router and Handler Wizards: message
 * types from the HL7 version's definitions, the filter (any / every / first, is one of, comparisons), the
 * field mappings, the field picker and the outbound picker.
 */
import type { RegistryGraph } from "messagefoundry/graph";
import type { catalogFor, FieldChoice } from "./catalog.js";
import { fieldChoices, messageTypesOf, repeatsOf } from "./catalog.js";
import { askConnectionSettings, askTransport, settingsQuestionCount } from "./connectionSteps.js";
import {
  type ConnectionAnswers,
  checkConnectionName,
  checkFieldPath,
  checkFunctionName,
  checkNumber,
  type FieldMapping,
  type FilterOp,
  type FilterRule,
  filterOver,
  type HandlerAnswers,
  NUMERIC_OPS,
  parseMessageTypes,
  parseValueList,
  type Quantifier,
} from "./model.js";
import { BackSignal, type PickItem, type Step, type StepInput } from "./steps.js";

/**
 * The message types (MSH-9) the router accepts: the trigger events the HL7 version defines for the
 * family (ORU → ORU^R01, ORU^R30…), nothing pre-ticked but earlier answers; typed by hand only for a
 * family the version does not define (a Z message).
 */
export async function askMessageTypes(
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
export async function askFilter(
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

export async function askMappings(
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

/** The value of the "new outbound" item in an outbound pick. */
export const NEW_OUTBOUND = "\u0000new";

/**
 * Existing outbounds from the graph plus "New outbound connection…": the picked names, and whether a
 * new one was asked for.
 */
export async function askOutbounds(
  input: StepInput,
  graph: RegistryGraph | undefined,
  current: readonly string[],
  newOutbound: boolean,
): Promise<{ outbounds: string[]; newOutbound: boolean }> {
  const existing = (graph?.nodes ?? []).filter((n) => n.kind === "outbound");
  const items: PickItem<string>[] = [
    { label: "$(add) New outbound connection…", value: NEW_OUTBOUND, alwaysShow: true },
    ...existing.map((n) => ({ label: n.name, description: n.transport ?? "", value: n.name })),
  ];
  const picked = await input.pickMany({
    placeholder: "Send to which outbound(s)? Enter takes the highlighted one; Space ticks more.",
    items,
    selected: [...current, ...(newOutbound ? [NEW_OUTBOUND] : [])],
  });
  return { outbounds: picked.filter((p) => p !== NEW_OUTBOUND), newOutbound: picked.includes(NEW_OUTBOUND) };
}

/** A new outbound connection: transport, name (suggested free) and settings. */
export async function askNewOutbound(
  input: StepInput,
  previous: ConnectionAnswers | undefined,
  suggestedName: string,
  graph: RegistryGraph | undefined,
): Promise<ConnectionAnswers> {
  const o = previous ?? { direction: "outbound" as const, name: "", transport: "mllp" as const };
  input.about("new outbound connection");
  o.transport = await askTransport(input, "outbound", o.transport);
  const settings = settingsQuestionCount(o);
  input.about("new outbound connection", settings === undefined ? undefined : 2 + settings);
  o.name = await input.text({
    prompt: "New outbound connection name",
    value: o.name || suggestedName,
    validate: (v) => checkConnectionName(v, "outbound", graph),
  });
  await askConnectionSettings(input, o, graph);
  return o;
}

/** A handler being built: its answers, and the new outbound when one was asked for. */
export interface HandlerDraft {
  handler: HandlerAnswers;
  newOutbound: boolean;
  outbound?: ConnectionAnswers;
}

/** What the handler steps read: the graph, the HL7 version's definitions, the message types routed. */
export interface HandlerContext {
  graph: RegistryGraph | undefined;
  version: string;
  catalog: ReturnType<typeof catalogFor>;
  hl7: boolean;
  messageTypes: readonly string[];
  /** The name offered for a new outbound. */
  outboundName: string;
  /** Handler names this wizard already uses. */
  pendingNames?: readonly string[];
}

/**
 * The steps that build one handler, as the Route Wizard asks them: name, filter, field mappings,
 * outbounds, a new outbound. `skip` leaves them out (e.g. when no new handler was asked for).
 */
export function handlerStepList<S>(
  draftOf: (s: S) => HandlerDraft,
  ctxOf: (s: S) => HandlerContext,
  skip: (s: S) => boolean = () => false,
): Step<S>[] {
  const step =
    (fn: (input: StepInput, d: HandlerDraft, c: HandlerContext) => Promise<void>): Step<S> =>
    async (input, s) => {
      if (!skip(s)) await fn(input, draftOf(s), ctxOf(s));
    };
  return [
    step(async (input, d, c) => {
      d.handler.name = await input.text({
        prompt: "New handler name",
        value: d.handler.name,
        validate: (v) => checkFunctionName(v, "handler", c.graph, c.pendingNames),
      });
    }),
    step(async (input, d, c) => {
      if (!c.hl7) return;
      const filter = await askFilter(
        input,
        d.handler.filter,
        () => fieldChoices(c.version, c.messageTypes),
        c.catalog,
        (path) => repeatsOf(c.version, c.messageTypes, path),
      );
      if (filter) d.handler.filter = filter;
      else delete d.handler.filter;
    }),
    step(async (input, d, c) => {
      if (!c.hl7) return;
      d.handler.mappings = await askMappings(
        input,
        d.handler.mappings,
        () => fieldChoices(c.version, c.messageTypes),
        c.catalog,
      );
    }),
    step(async (input, d, c) => {
      const picked = await askOutbounds(input, c.graph, d.handler.outbounds, d.newOutbound);
      d.newOutbound = picked.newOutbound;
      d.handler.outbounds = picked.outbounds;
    }),
    step(async (input, d, c) => {
      if (!d.newOutbound) {
        delete d.outbound;
        return;
      }
      const o = await askNewOutbound(input, d.outbound, c.outboundName, c.graph);
      d.outbound = o;
      if (!d.handler.outbounds.includes(o.name)) d.handler.outbounds.unshift(o.name);
    }),
  ];
}
