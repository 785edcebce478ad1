/**
 * The Steps models on the pure core: a router's or handler's code → rows (exact, in order, with lines),
 * and a Steps edit → the text it leaves (exact), with the config's problems staying clean.
 */
import assert from "node:assert/strict";
import {
  argCompletions,
  type ConfigModel,
  LineIndex,
  stepEdit,
  stepsOf,
  type TextEdit,
} from "../../src/core/index.js";
import type { StepBlock, StepEdit, StepRow } from "../../src/protocol.js";
import { dict, fixture } from "./fixture.js";

const HEADER = `
  //- connections.toml
  [[inbound]]
  name = "IB_ADT"
  transport = "mllp"
  router = "adt_router"
  settings = { port = 2600 }

  [[outbound]]
  name = "OB_EMR"
  transport = "file"
  settings = { path = "/tmp/emr" }

  [[outbound]]
  name = "OB_BILLING"
  transport = "file"
  settings = { path = "/tmp/billing" }
  //- codesets/sex.csv
  code,value
  M,male
  //- routes/adt.ts
  `;

const ROUTES = `import { codeSet, handler, router, send } from "messagefoundry";

  const sexes = codeSet("sex");

  router("adt_router", (msg) => (msg.get("MSH-9.2") === "A08" ? [] : ["adt_emr", "adt_billing"]));

  router("adt_router_2", (msg) => {
    // Admits go everywhere.
    const trigger = msg.get("MSH-9.2");
    if (trigger === "A01") return ["adt_emr", "adt_billing"];
    return ["adt_emr"];
  });

  handler("adt_emr", (msg) => {
    if (msg.get("MSH-9.2") === "A08") return [];
    msg.set("MSH-5", "EMR");
    msg.set("PID-8", sexes.map(msg.get("PID-8") ?? ""));
    msg.set("PV1-3.1", msg.get("PV1-3.2"));
    msg.set("PID-19", undefined);
    msg.set("PID-5.1", msg.get("PID-5.1")?.toUpperCase());
    msg.deleteSegments("NK1"); // next of kin stay home
    for (const obx of msg.segments("OBX")) {
      obx.set(5, "X");
    }
    msg.addSegment("ZPI");
    return send("OB_EMR", msg);
  });

  handler("adt_billing", (msg) => {
    return [send("OB_BILLING", msg), send("OB_EMR", msg)];
  });
`;

/** One line per row: id, kind, lines, args (`role=value`, `*` when editable), or the code's text. */
function render(block: StepBlock, depth = 0): string[] {
  const out: string[] = [];
  for (const r of block.rows) {
    out.push(`${"  ".repeat(depth)}${line(r)}`);
    for (const b of r.blocks ?? []) {
      out.push(`${"  ".repeat(depth + 1)}${b.label}${b.editable ? "" : " (expression)"}:`);
      out.push(...render(b, depth + 2));
    }
  }
  return out;
}

function line(r: StepRow): string {
  const lines =
    r.location.line === r.location.endLine
      ? `${r.location.line}`
      : `${r.location.line}-${r.location.endLine}`;
  const args = r.args.map((a) => `${a.role}=${a.value}${a.editable ? "*" : ""}`).join(" ");
  const body =
    r.kind === "code" ? r.text.split("\n")[0] : r.head ? `(${r.head.line}:${r.head.column})` : args;
  return `${r.id} ${r.kind} L${lines} ${body}${r.comment ? ` // ${r.comment}` : ""}`.trimEnd();
}

function rows(name: string, kind: "router" | "handler"): string[] {
  const { model } = fixture(HEADER + ROUTES);
  const a = stepsOf(model, "routes/adt.ts", { name, kind });
  assert.ok(a);
  return render(a.steps.body);
}

describe("Steps: code → rows", () => {
  it("turns a handler into its statements in order: actions, controls and code rows", () => {
    assert.deepEqual(rows("adt_emr", "handler"), [
      "0 if L15 (15:7)",
      "  then (expression):",
      "    0:then/0 stop L15",
      "1 set L16 path=MSH-5* value=EMR*",
      "2 map L17 path=PID-8* codeSet=sex* source=PID-8*",
      "3 copy L18 path=PV1-3.1* source=PV1-3.2*",
      "4 clear L19 path=PID-19*",
      '5 set L20 path=PID-5.1* value=msg.get("PID-5.1")?.toUpperCase()',
      "6 deleteSegment L21 segment=NK1*",
      "7 loop L22-24 (22:3)",
      "  body:",
      '    7:body/0 code L23 obx.set(5, "X");',
      "8 addSegment L25 segment=ZPI*",
      "9 send L26 outbound=OB_EMR*",
    ]);
  });

  it("turns routers into routes, a conditional return into an if with both branches, keeps comments", () => {
    assert.deepEqual(rows("adt_router", "router"), [
      "0 if L5 (5:32)",
      "  then (expression):",
      "    0:then/0 route L5",
      "  else (expression):",
      "    0:else/0 route L5 handler=adt_emr* handler=adt_billing*",
    ]);
    assert.deepEqual(rows("adt_router_2", "router"), [
      '0 code L9 const trigger = msg.get("MSH-9.2"); // Admits go everywhere.',
      "1 if L10 (10:7)",
      "  then (expression):",
      "    1:then/0 route L10 handler=adt_emr* handler=adt_billing*",
      "2 route L11 handler=adt_emr*",
    ]);
    assert.deepEqual(rows("adt_billing", "handler"), ["0 send L30 outbound=OB_BILLING* outbound=OB_EMR*"]);
  });

  it("finds the function at an offset inside its declaration", () => {
    const { model } = fixture(HEADER + ROUTES);
    const text = model.text("routes/adt.ts") ?? "";
    const a = stepsOf(model, "routes/adt.ts", { offset: text.indexOf('"PV1-3.1"') });
    assert.equal(a?.steps.name, "adt_emr");
    assert.equal(stepsOf(model, "routes/adt.ts", { offset: text.indexOf("const sexes") }), undefined);
  });
});

/** Applies core edits (sorted, non-overlapping) to a text. */
function apply(text: string, edits: TextEdit[]): string {
  const index = new LineIndex(text);
  const spans = edits
    .map((e) => ({ ...index.span(e.location), newText: e.newText }))
    .sort((a, b) => b.start - a.start);
  let out = text;
  for (const s of spans) out = out.slice(0, s.start) + s.newText + out.slice(s.end);
  return out;
}

const SMALL = `import { handler, router } from "messagefoundry";

  router("adt_router", (msg) => ["adt_emr"]);

  handler("adt_emr", (msg) => {
    // Tell the EMR it is theirs.
    msg.set("MSH-5", "EMR");
    msg.deleteSegments("NK1");
    if (msg.get("MSH-9.2") === "A08") return [];
  });
`;

/** Runs edits in turn on the small config's handler; returns the text, asserting no new problem appears. */
function edited(
  edits: StepEdit[],
  target: { kind: "router" | "handler"; name: string } = { kind: "handler", name: "adt_emr" },
): string {
  const { model } = fixture(HEADER + SMALL);
  const before = problems(model);
  for (const e of edits) {
    const r = stepEdit(model, dict(), { file: "routes/adt.ts", ...target }, e);
    if ("error" in r) return `error: ${r.error}`;
    model.setFile("routes/adt.ts", apply(model.text("routes/adt.ts") ?? "", r.edits));
    assert.deepEqual(
      problems(model).filter((p) => !before.includes(p)),
      [],
      `new problems after ${JSON.stringify(e)}`,
    );
  }
  return model.text("routes/adt.ts") ?? "";
}

const problems = (model: ConfigModel) =>
  [...model.analysis().problems().values()].flat().map((p) => `${p.code} ${p.message}`);

/** The small handler's body with `lines` in place of its three statements. */
const handlerWith = (...lines: string[]) =>
  `import { handler, router } from "messagefoundry";

router("adt_router", (msg) => ["adt_emr"]);

handler("adt_emr", (msg) => {
${lines.map((l) => `  ${l}`).join("\n")}
});
`;

describe("Steps: row edit → text edit", () => {
  it("changes a literal argument in place, keeping its quotes", () => {
    assert.equal(
      edited([{ type: "setArg", row: "0", arg: 1, value: 'B "ILL"' }]),
      handlerWith(
        "// Tell the EMR it is theirs.",
        'msg.set("MSH-5", "B \\"ILL\\"");',
        'msg.deleteSegments("NK1");',
        'if (msg.get("MSH-9.2") === "A08") return [];',
      ),
    );
  });

  it("refuses a field path that does not exist, an unknown outbound and a bad segment, as code does", () => {
    assert.equal(
      edited([{ type: "setArg", row: "0", arg: 0, value: "PID-99" }]),
      "error: PID-99: PID has 39 fields in HL7 v2.5.1; PID-99 does not exist",
    );
    assert.equal(
      edited([{ type: "insert", block: "", index: 3, step: { kind: "send", outbound: "OB_EMT" } }]),
      'error: There is no outbound "OB_EMT"; did you mean "OB_EMR"?',
    );
    assert.equal(
      edited([{ type: "setArg", row: "1", arg: 0, value: "nk1" }]),
      'error: "nk1" is not a segment name (3 characters A-Z/0-9)',
    );
    assert.equal(
      edited([{ type: "insert", block: "", index: 0, step: { kind: "route", handlers: ["adt_emr"] } }]),
      "error: A handler sends to outbounds; routing to handlers belongs in a router.",
    );
  });

  it("adds recognized actions from the palette in the block's indentation, adding a missing import", () => {
    assert.equal(
      edited([
        { type: "insert", block: "", index: 0, step: { kind: "copy", path: "PV1-3.1", source: "PV1-3.2" } },
        { type: "insert", block: "", index: 4, step: { kind: "send", outbound: "OB_EMR" } },
        {
          type: "insert",
          block: "",
          index: 2,
          step: { kind: "map", path: "PID-8", codeSet: "sex", source: "PID-8" },
        },
        { type: "insert", block: "", index: 0, step: { kind: "clear", path: "PID-19" } },
      ]),
      handlerWith(
        'msg.set("PID-19", undefined);',
        'msg.set("PV1-3.1", msg.get("PV1-3.2"));',
        "// Tell the EMR it is theirs.",
        'msg.set("MSH-5", "EMR");',
        'msg.set("PID-8", codeSet("sex").map(msg.get("PID-8") ?? ""));',
        'msg.deleteSegments("NK1");',
        'if (msg.get("MSH-9.2") === "A08") return [];',
        'return send("OB_EMR", msg);',
      ).replace("{ handler, router }", "{ codeSet, handler, router, send }"),
    );
  });

  it("braces a one-statement branch and an expression body to add a row to it", () => {
    assert.equal(
      edited([
        { type: "insert", block: "2:then", index: 0, step: { kind: "set", path: "MSH-4", value: "X" } },
      ]),
      handlerWith(
        "// Tell the EMR it is theirs.",
        'msg.set("MSH-5", "EMR");',
        'msg.deleteSegments("NK1");',
        'if (msg.get("MSH-9.2") === "A08") {',
        '  msg.set("MSH-4", "X");',
        "  return [];",
        "}",
      ),
    );
    assert.match(
      edited([{ type: "insert", block: "", index: 1, step: { kind: "route", handlers: ["adt_emr"] } }], {
        kind: "router",
        name: "adt_router",
      }),
      /router\("adt_router", \(msg\) => \{\n {2}return \["adt_emr"\];\n {2}return \["adt_emr"\];\n\}\);/,
    );
  });

  it("deletes a row with its comment lines, and moves a row among its siblings", () => {
    assert.equal(
      edited([{ type: "delete", row: "0" }]),
      handlerWith('msg.deleteSegments("NK1");', 'if (msg.get("MSH-9.2") === "A08") return [];'),
    );
    assert.equal(
      edited([{ type: "move", row: "0", to: 2 }]),
      handlerWith(
        'msg.deleteSegments("NK1");',
        'if (msg.get("MSH-9.2") === "A08") return [];',
        "// Tell the EMR it is theirs.",
        'msg.set("MSH-5", "EMR");',
      ),
    );
    assert.equal(
      edited([{ type: "move", row: "2", to: 0 }]),
      handlerWith(
        'if (msg.get("MSH-9.2") === "A08") return [];',
        "// Tell the EMR it is theirs.",
        'msg.set("MSH-5", "EMR");',
        'msg.deleteSegments("NK1");',
      ),
    );
    assert.equal(
      edited([{ type: "delete", row: "2:then/0" }]),
      handlerWith(
        "// Tell the EMR it is theirs.",
        'msg.set("MSH-5", "EMR");',
        'msg.deleteSegments("NK1");',
        'if (msg.get("MSH-9.2") === "A08") {}',
      ),
    );
  });
});

describe("Steps: inserting code as written (the cookbook's entry point)", () => {
  it("indents a commented, multi-line recipe into the block and adds its imports", () => {
    const recipe = [
      "// Strip next of kin: the receiver must not see relatives.",
      'for (const nk1 of msg.segments("NK1")) {',
      "  void nk1;",
      "}",
      'msg.deleteSegments("NK1");',
    ].join("\n");
    assert.equal(
      edited([{ type: "insertCode", block: "", index: 2, code: recipe, imports: ["send"] }]),
      handlerWith(
        "// Tell the EMR it is theirs.",
        'msg.set("MSH-5", "EMR");',
        'msg.deleteSegments("NK1");',
        "// Strip next of kin: the receiver must not see relatives.",
        'for (const nk1 of msg.segments("NK1")) {',
        "  void nk1;",
        "}",
        'msg.deleteSegments("NK1");',
        'if (msg.get("MSH-9.2") === "A08") return [];',
      ).replace("{ handler, router }", "{ handler, router, send }"),
    );
  });

  it("refuses code that does not parse", () => {
    assert.match(
      edited([{ type: "insertCode", block: "", index: 0, code: "msg.set(" }]),
      /^error: The code does not parse: /,
    );
  });
});

describe("Steps: argument completions (as in code)", () => {
  const target = { file: "routes/adt.ts", kind: "handler" as const, name: "adt_emr" };
  const complete = (role: Parameters<typeof argCompletions>[3], typed: string) => {
    const { model } = fixture(HEADER + SMALL);
    return argCompletions(model, dict(), target, role, typed).map((c) =>
      `${c.value} ${c.description ?? ""}`.trim(),
    );
  };

  it("field paths: a segment's fields, then a field's components, with names and types", () => {
    assert.deepEqual(complete("path", "PID-5").slice(0, 1), ["PID-5 Patient Name (XPN)"]);
    assert.deepEqual(complete("path", "PID-5.").slice(0, 2), [
      "PID-5.1 Family Name (FN)",
      "PID-5.2 Given Name (ST)",
    ]);
  });

  it("declared outbounds and segment names", () => {
    assert.deepEqual(complete("outbound", "OB_"), ["OB_BILLING", "OB_EMR"]);
    assert.deepEqual(complete("segment", "NK"), ["NK1 Next of Kin / Associated Parties"]);
  });
});
