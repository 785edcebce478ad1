/**
 * The cookbook: recipes an analyst inserts at the cursor — working, commented code against the config
 * API. Each recipe is data (where it goes, what it asks, what it imports) and a template; the command
 * (cookbookCommand.ts) asks the questions, fills the template and inserts it. Pure: every recipe is run
 * through the real engine's dry run in the tests.
 */

/**
 * Where a recipe's code goes: statements inside a handler's or a router's body (`msg` in scope), or a
 * whole declaration at the top level of a module.
 */
export type RecipePlace = "handler" | "router" | "module";

/** A question a recipe asks before it is inserted; `kind` says what the answer is picked from. */
export interface RecipeParam {
  key: string;
  prompt: string;
  kind: "outbound" | "handler" | "codeSet" | "field" | "text" | "messageTypes";
  default: string;
}

export interface Recipe {
  id: string;
  label: string;
  /** One line for the list, searchable. */
  detail: string;
  place: RecipePlace;
  params: readonly RecipeParam[];
  /** Names the code needs from "messagefoundry". */
  imports: readonly string[];
  /** The code, one line per entry, without indentation (the insertion indents it to the cursor). */
  code(p: Readonly<Record<string, string>>): string[];
}

const q = (s: string) => JSON.stringify(s);

/** `PV1-3.1` → `PV1`. */
const segmentOf = (path: string) => path.slice(0, 3);

/** `abnormal_flags` → `abnormalFlags`: a code set's name as a variable. */
export function camelName(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter((w) => w !== "");
  const joined = words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1))).join("");
  return /^[A-Za-z_]/.test(joined) ? joined : `set${joined}`;
}

export const RECIPES: readonly Recipe[] = [
  {
    id: "abnormal-only",
    label: "Keep only abnormal results",
    detail:
      "Drop OBX segments whose interpretation (OBX-8) is empty or N; filter the message when none is left.",
    place: "handler",
    params: [],
    imports: [],
    code: () => [
      "// Keep only abnormal results: drop each OBX whose interpretation (OBX-8) is empty or N (normal),",
      "// renumber the rest (OBX-1) where the results were, and filter the message out when none is left.",
      'const abnormalResults = msg.segments("OBX").filter((obx) => !["", "N"].includes(obx.get("OBX-8") ?? ""));',
      "if (abnormalResults.length === 0) return [];",
      'const firstResultAt = msg.segments().findIndex((s) => s.name === "OBX");',
      'msg.deleteSegments("OBX");',
      "for (const [i, obx] of abnormalResults.entries()) {",
      '  const fields = obx.encode().split(msg.get("MSH-1") ?? "|").slice(1);',
      '  msg.addSegment("OBX", fields, firstResultAt + i).set("OBX-1", String(i + 1));',
      "}",
    ],
  },
  {
    id: "map-code-set",
    label: "Map codes through a code set",
    detail:
      "Replace a field's code with its value from codesets/<name> in every segment (unknown codes kept).",
    place: "handler",
    params: [
      {
        key: "codeSet",
        prompt: "Which code set (codesets/<name>.toml|csv|json)?",
        kind: "codeSet",
        default: "abnormal_flags",
      },
      { key: "field", prompt: "Which field's codes are mapped?", kind: "field", default: "OBX-8" },
    ],
    imports: ["codeSet"],
    code: (p) => {
      const v = camelName(p.codeSet!);
      const seg = segmentOf(p.field!);
      const s = seg.toLowerCase();
      return [
        `// Map ${p.field} through the code set ${p.codeSet} (codesets/${p.codeSet}.*) in every ${seg}:`,
        "// each code becomes its value; a code the set does not hold is kept as it is.",
        `const ${v} = codeSet(${q(p.codeSet!)});`,
        `for (const ${s} of msg.segments(${q(seg)})) {`,
        `  const code = ${s}.get(${q(p.field!)});`,
        `  if (code) ${s}.set(${q(p.field!)}, ${v}.map(code));`,
        "}",
      ];
    },
  },
  {
    id: "route-by-type",
    label: "Route by message type",
    detail:
      "In a router: send some MSH-9 types (e.g. ADT^A01, ADT^A04) to a handler, leave the rest unrouted.",
    place: "router",
    params: [
      {
        key: "types",
        prompt: "Which message types (MSH-9), comma-separated?",
        kind: "messageTypes",
        default: "ADT^A01, ADT^A04",
      },
      { key: "handler", prompt: "Route them to which handler?", kind: "handler", default: "my_handler" },
    ],
    imports: [],
    code: (p) => {
      const types = p.types!.split(/[\s,]+/).filter((t) => t !== "");
      return [
        `// Route by message type (MSH-9): ${types.join(", ")} go to ${p.handler}; any other type is left unrouted.`,
        "switch (msg.messageType) {",
        ...types.map((t) => `  case ${q(t)}:`),
        `    return [${q(p.handler!)}];`,
        "  default:",
        "    return [];",
        "}",
      ];
    },
  },
  {
    id: "z-segment",
    label: "Add a Z segment",
    detail: "Append a site-defined segment (e.g. ZPI|1|<PV1-3.1>) after the last segment.",
    place: "handler",
    params: [
      {
        key: "segment",
        prompt: "Z segment name (Z and two letters or digits)",
        kind: "text",
        default: "ZPI",
      },
      { key: "from", prompt: "Its second field copies which field?", kind: "field", default: "PV1-3.1" },
    ],
    imports: [],
    code: (p) => [
      `// Add a Z segment: ${p.segment}|1|<${p.from}>, after the last segment (receivers ignore Z segments they do not know).`,
      `msg.addSegment(${q(p.segment!)}, ["1"]).set(${q(`${p.segment}-2`)}, msg.get(${q(p.from!)}) ?? "");`,
    ],
  },
  {
    id: "split-batch",
    label: "Split a batch",
    detail:
      "A handler for an inbound receiving whole HL7 batch files (contentType text): one send per message.",
    place: "module",
    params: [
      { key: "handler", prompt: "New handler's name", kind: "text", default: "split_batch_handler" },
      {
        key: "outbound",
        prompt: "Send each message to which outbound?",
        kind: "outbound",
        default: "OB_EXAMPLE",
      },
    ],
    imports: ["handler", "parseBatch", "type RawMessage", "send"],
    code: (p) => [
      "// Split a batch: the inbound receives a whole HL7 batch file (FHS/BHS … BTS/FTS) as text",
      '// (contentType "text"); each message in it is sent on by itself and the envelope is dropped.',
      "// Route to this handler from the inbound's router.",
      `handler(${q(p.handler!)}, (msg: RawMessage) =>`,
      `  parseBatch(msg.text).map((one) => send(${q(p.outbound!)}, one)),`,
      ");",
    ],
  },
  {
    id: "json-to-adt-a04",
    label: "JSON registration → ADT^A04",
    detail: "A handler for a JSON inbound: builds an ADT^A04 (MSH, EVN, PID, PV1) from a registration form.",
    place: "module",
    params: [
      { key: "handler", prompt: "New handler's name", kind: "text", default: "registration_to_adt" },
      {
        key: "outbound",
        prompt: "Send the ADT^A04 to which outbound?",
        kind: "outbound",
        default: "OB_EXAMPLE",
      },
    ],
    imports: ["handler", "parse", "type RawMessage", "send"],
    code: (p) => [
      '// JSON registration → ADT^A04: the inbound receives a form as JSON (contentType "json"), e.g.',
      '// {"id":"0001","mrn":"TEST000777","family":"Demo","given":"Bravo","birthDate":"1991-04-12","sex":"F"}.',
      "// Route to this handler from the inbound's router. A form without an MRN is filtered out.",
      `handler(${q(p.handler!)}, (msg: RawMessage) => {`,
      "  const form = msg.json<{ id?: string; mrn?: string; family?: string; given?: string; birthDate?: string; sex?: string }>();",
      "  if (!form.mrn) return [];",
      '  const adt = parse("MSH|^~\\\\&|WEBFORM|FACILITY|RECEIVER|FACILITY|||ADT^A04^ADT_A01|||2.5.1\\rEVN|A04\\rPID|1\\rPV1|1|O");',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the generated code's own template literal
      '  adt.set("MSH-10", `REG${form.id ?? ""}`);',
      '  adt.set("PID-3.1", form.mrn);',
      '  adt.set("PID-3.5", "MR");',
      '  adt.set("PID-5.1", (form.family ?? "").toUpperCase());',
      '  adt.set("PID-5.2", (form.given ?? "").toUpperCase());',
      '  adt.set("PID-7", (form.birthDate ?? "").replaceAll("-", "")); // YYYY-MM-DD → YYYYMMDD',
      '  adt.set("PID-8", form.sex ?? "U");',
      `  return send(${q(p.outbound!)}, adt);`,
      "});",
    ],
  },
  {
    id: "strip-nk1",
    label: "Strip next of kin",
    detail: "Remove every NK1 segment (a receiver with no use for next of kin).",
    place: "handler",
    params: [],
    imports: [],
    code: () => ["// Strip next of kin: remove every NK1 segment.", 'msg.deleteSegments("NK1");'],
  },
  {
    id: "default-when-empty",
    label: "Set a default when empty",
    detail: "Give a field a value when the sender left it empty, e.g. PV1-2 (patient class) = U.",
    place: "handler",
    params: [
      { key: "field", prompt: "Which field?", kind: "field", default: "PV1-2" },
      { key: "value", prompt: "Its default value", kind: "text", default: "U" },
    ],
    imports: [],
    code: (p) => [
      `// Default when empty: ${p.field} gets ${q(p.value!)} when the sender left it empty.`,
      `if (!msg.get(${q(p.field!)})) msg.set(${q(p.field!)}, ${q(p.value!)});`,
    ],
  },
];

/** The recipe's answers: each param's default, overridden by what was given. */
export function recipeValues(
  r: Recipe,
  given: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return Object.fromEntries(r.params.map((p) => [p.key, given[p.key] ?? p.default]));
}

/** Why an answer cannot be used, or undefined. */
export function checkRecipeValue(param: RecipeParam, value: string): string | undefined {
  const v = value.trim();
  if (v === "") return "A value is required.";
  if (param.key === "segment" && !/^Z[A-Z0-9]{2}$/.test(v))
    return "A Z segment name: Z and two letters or digits, e.g. ZPI.";
  if (param.kind === "field" && !/^[A-Z][A-Z0-9]{2}-\d+(?:\.\d+){0,2}$/.test(v))
    return "A field path such as PID-5.1.";
  if (param.kind === "messageTypes" && !v.split(/[\s,]+/).every((t) => /^[A-Z0-9]{3}\^[A-Z0-9]{3}$/.test(t)))
    return "Message types such as ADT^A01, ADT^A04.";
  return undefined;
}

/** The recipe's code indented to the cursor's column: the first line goes where the cursor is. */
export function recipeText(r: Recipe, values: Readonly<Record<string, string>>, indent: string): string {
  return r
    .code(values)
    .map((line, i) => (i === 0 || line === "" ? line : indent + line))
    .join("\n");
}

/** Recipes that fit a place (a handler's body, a router's body, a module's top level). */
export function recipesFor(place: RecipePlace | undefined): Recipe[] {
  return place === undefined ? [...RECIPES] : RECIPES.filter((r) => r.place === place);
}
