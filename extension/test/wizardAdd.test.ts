/**
 * The Router / Handler Wizards', Clone Connection's and the cookbook's pure models against the samples'
 * own modules: exact texts for every edit (the user's formatting and comments untouched).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { GraphNode, RegistryGraph } from "messagefoundry/graph";
import {
  checkInboundForRouter,
  explorerNodeName,
  familyOfInbound,
  freeModuleFile,
  generateRouterModule,
  handlerEdits,
  inboundChoices,
  suggestHandlerName,
} from "../src/wizard/addModel.js";
import {
  clonePort,
  cloneTomlTable,
  cloneTsStatement,
  cloneWrittenMessage,
  freeCloneName,
  nextFreePort,
} from "../src/wizard/cloneModel.js";
import { camelName, checkRecipeValue, RECIPES, recipesFor, recipeValues } from "../src/wizard/cookbook.js";
import { insertRecipe } from "../src/wizard/cookbookInsert.js";
import { ROUTE_NEXT_STEPS } from "../src/wizard/model.js";
import { addHandlerToRouter, addImports, applyEdits, placeAt } from "../src/wizard/tsEdit.js";

const sample = (f: string) => readFileSync(new URL(`../../samples/config/${f}`, import.meta.url), "utf8");
const recipe = (id: string) => RECIPES.find((r) => r.id === id)!;
const at = (text: string, marker: string) => {
  const i = text.indexOf(marker);
  assert.ok(i >= 0, marker);
  return i;
};

const loc = { file: "connections.toml", line: 4, column: 1, endLine: 4, endColumn: 10 };
const node = (kind: GraphNode["kind"], name: string, extra: Partial<GraphNode> = {}): GraphNode => ({
  kind,
  name,
  origin: "toml",
  location: loc,
  ...extra,
});

describe("Handler Wizard: the router's returned list, by the TypeScript compiler API", () => {
  it("adds the name to every non-empty list a router returns (both arms of ?:), nothing else", () => {
    const adt = sample("adt.ts");
    const r = addHandlerToRouter(adt, "acme_adt_router", "acme_adt_to_x");
    assert.ok("edits" in r);
    const after = applyEdits(adt, r.edits);
    assert.equal(
      after
        .replace(adt.slice(0, at(adt, "router(")), "")
        .split("\n")
        .slice(0, 7)
        .join("\n"),
      [
        'router("acme_adt_router", (msg) => {',
        "  // Billing only cares about admits, registrations and discharges; the EMR and the chart want everything.",
        '  const trigger = msg.get("MSH-9.2");',
        '  return trigger === "A01" || trigger === "A03" || trigger === "A04"',
        '    ? ["acme_adt_to_emr", "acme_adt_to_billing", "acme_adt_to_chart_db", "acme_adt_to_x"]',
        '    : ["acme_adt_to_emr", "acme_adt_to_chart_db", "acme_adt_to_x"];',
        "});",
      ].join("\n"),
    );
    // Only those two insertions: the rest of the module is byte for byte the same.
    assert.equal(after.length - adt.length, 2 * ', "acme_adt_to_x"'.length);
  });

  it("an empty list (unrouted) stays empty; a single name becomes a list", () => {
    const oru = sample("oru.ts");
    const r = addHandlerToRouter(oru, "lab_oru_router", "lab_oru_critical");
    assert.ok("edits" in r);
    assert.ok(
      applyEdits(oru, r.edits).includes(
        'router("lab_oru_router", (msg) => (msg.messageType === "ORU^R01" ? ["lab_oru_abnormal", "lab_oru_critical"] : []));',
      ),
    );
    const billing = sample("billing.ts");
    const b = addHandlerToRouter(billing, "billing_adt_router", "billing_adt_copy");
    assert.ok("edits" in b);
    assert.ok(
      applyEdits(billing, b.edits).includes(
        'router("billing_adt_router", () => ["billing_adt_archive", "billing_adt_copy"]);',
      ),
    );
  });

  it("refuses, saying why: computed names, a name already routed, no such router", () => {
    const text = 'import { router } from "messagefoundry";\nrouter("r", (msg) => pick(msg));\n';
    assert.deepEqual(addHandlerToRouter(text, "r", "h"), {
      error: 'Router r computes the handler names it returns; add "h" to its code by hand.',
    });
    assert.deepEqual(addHandlerToRouter(sample("billing.ts"), "billing_adt_router", "billing_adt_archive"), {
      error: "Router billing_adt_router already routes to billing_adt_archive.",
    });
    assert.deepEqual(addHandlerToRouter(text, "nope", "h"), {
      error: 'No router("nope", …) call was found in this module.',
    });
  });

  it("appends the handler (filter, mappings, send) and imports what it needs", () => {
    const text = 'import { router } from "messagefoundry";\n\nrouter("lab_router", () => ["lab_a"]);\n';
    const r = handlerEdits(text, {
      router: "lab_router",
      hl7: true,
      handler: {
        name: "lab_critical",
        filter: { path: "OBX-8", op: "oneOf", values: ["HH", "LL"], quantifier: "any", over: "repetitions" },
        mappings: [{ target: "MSH-5", value: "ICU" }],
        outbounds: ["OB_CLINIC_ORU"],
      },
      newOutbounds: [],
    });
    assert.ok("edits" in r);
    assert.equal(
      applyEdits(text, r.edits),
      [
        'import { handler, router, send } from "messagefoundry";',
        "",
        'router("lab_router", () => ["lab_a", "lab_critical"]);',
        "",
        "// Added by the MessageFoundry Handler Wizard to lab_router; edit freely.",
        'handler("lab_critical", (msg) => {',
        "  // Keep only messages where any OBX-8 is one of HH, LL.",
        '  const values = msg.getAll("OBX-8");',
        '  if (!values.some((v) => ["HH", "LL"].includes(v))) return [];',
        "  // Field mappings.",
        '  msg.set("MSH-5", "ICU");',
        '  return send("OB_CLINIC_ORU", msg);',
        "});",
        "",
      ].join("\n"),
    );
  });

  it("a new database outbound: the handler sends its statement, and dbStatement is imported", () => {
    const text = 'import { router } from "messagefoundry";\n\nrouter("adt_router", () => ["adt_a"]);\n';
    const r = handlerEdits(text, {
      router: "adt_router",
      hl7: true,
      handler: { name: "adt_db", mappings: [], outbounds: ["OB_CHART_DB"] },
      newOutbounds: [
        {
          direction: "outbound",
          name: "OB_CHART_DB",
          transport: "database",
          database: {
            dialect: "postgres",
            host: "127.0.0.1",
            database: "chart",
            user: "mf",
            statement: { name: "upsert", sql: "INSERT INTO t (mrn) VALUES (:mrn)" },
          },
        },
      ],
    });
    assert.ok("edits" in r);
    const after = applyEdits(text, r.edits);
    assert.ok(
      after.startsWith('import { dbStatement, handler, router, send } from "messagefoundry";\n'),
      after,
    );
    assert.match(after, /return send\("OB_CHART_DB", dbStatement\("upsert", \{ mrn: .+ \}\)\);/);
  });

  it("imports: sorted in as Biome keeps them (type imports by name), none twice, a new import when missing", () => {
    const text = '// header\nimport { codeSet, handler, router } from "messagefoundry";\n';
    const edits = addImports(text, ["send", "type RawMessage", "handler", "parseBatch"]);
    assert.equal(
      applyEdits(text, edits),
      '// header\nimport { codeSet, handler, parseBatch, type RawMessage, router, send } from "messagefoundry";\n',
    );
    assert.deepEqual(addImports(text, ["handler"]), []);
    assert.equal(
      applyEdits("// header\nconst x = 1;\n", addImports("// header\nconst x = 1;\n", ["send", "handler"])),
      '// header\nimport { handler, send } from "messagefoundry";\nconst x = 1;\n',
    );
  });

  it("suggests a free handler name from the router's", () => {
    const graph = { nodes: [node("handler", "lab_oru_handler")], edges: [] } as unknown as RegistryGraph;
    assert.equal(suggestHandlerName("lab_oru_router", graph), "lab_oru_2_handler");
    assert.equal(suggestHandlerName("acme_router", graph), "acme_handler");
  });
});

describe("Router Wizard: inbounds and the router module", () => {
  const graph = {
    nodes: [
      node("inbound", "IB_LAB_ORU", { transport: "mllp" }),
      node("inbound", "IB_NEW_ADT", { transport: "mllp" }),
      node("router", "lab_oru_router", { origin: "ts", location: { ...loc, file: "oru.ts", line: 7 } }),
    ],
    edges: [
      {
        kind: "inbound-router",
        from: "IB_LAB_ORU",
        to: "lab_oru_router",
        dynamic: false,
        location: loc,
        origin: "toml",
      },
      {
        kind: "inbound-router",
        from: "IB_NEW_ADT",
        to: "new_adt_router",
        dynamic: false,
        location: loc,
        origin: "toml",
      },
    ],
  } as unknown as RegistryGraph;

  it("lists inbounds without a router first, and refuses one that has a router, saying where", () => {
    const choices = inboundChoices(graph);
    assert.deepEqual(
      choices.map((c) => [c.name, c.router, c.routed?.name]),
      [
        ["IB_NEW_ADT", "new_adt_router", undefined],
        ["IB_LAB_ORU", "lab_oru_router", "lab_oru_router"],
      ],
    );
    assert.equal(checkInboundForRouter(choices[0]!), undefined);
    assert.equal(
      checkInboundForRouter(choices[1]!),
      'IB_LAB_ORU already has a router, lab_oru_router (oru.ts:7). Add a handler to it with "Add Handler to Router…" instead.',
    );
  });

  it("writes the router (message types from the definitions) with existing and new handlers", () => {
    const files = generateRouterModule({
      inbound: "IB_NEW_ADT",
      hl7: true,
      router: "new_adt_router",
      messageTypes: ["ADT^A01", "ADT^A04"],
      existingHandlers: ["acme_adt_to_emr"],
      newHandlers: [{ name: "new_adt_handler", mappings: [], outbounds: ["OB_NEW_ADT"] }],
      newOutbounds: [
        { direction: "outbound", name: "OB_NEW_ADT", transport: "mllp", host: "127.0.0.1", port: 2700 },
      ],
      moduleFile: "new_adt_router.ts",
    });
    assert.equal(
      files.module.text,
      [
        "// Router for IB_NEW_ADT: acme_adt_to_emr, new_adt_handler.",
        "// Written by the MessageFoundry Router Wizard; edit freely.",
        'import { handler, router, send } from "messagefoundry";',
        "",
        "// Message types this route accepts (MSH-9); anything else is left unrouted.",
        'const ACCEPTED = new Set(["ADT^A01", "ADT^A04"]);',
        "",
        'router("new_adt_router", (msg) => (ACCEPTED.has(msg.messageType) ? ["acme_adt_to_emr", "new_adt_handler"] : []));',
        "",
        'handler("new_adt_handler", (msg) => {',
        '  return send("OB_NEW_ADT", msg);',
        "});",
        "",
      ].join("\n"),
    );
    assert.equal(
      files.tomlAppend,
      '\n[[outbound]]\nname = "OB_NEW_ADT"\ntransport = "mllp"\n[outbound.settings]\nhost = "127.0.0.1"\nport = 2700\n',
    );
    assert.equal(familyOfInbound("IB_NEW_ADT"), "ADT");
    assert.equal(freeModuleFile("new_adt_router.ts", ["new_adt_router.ts"]), "new_adt_router_2.ts");
  });
});

describe("Clone Connection: beside the original, in the same form", () => {
  it("a free name and the next free listener port; an outbound keeps its peer's port", () => {
    const graph = {
      nodes: [
        node("inbound", "IB_LAB_ORU", { settings: { port: 2602 } }),
        node("inbound", "IB_LAB_ORU_2", { settings: { port: 2603 } }),
        node("inbound", "IB_X", { settings: { port: 2605 } }),
        node("outbound", "OB_Y", { settings: { port: 2700 } }),
      ],
      edges: [],
    } as unknown as RegistryGraph;
    assert.equal(freeCloneName("IB_LAB_ORU", graph), "IB_LAB_ORU_3");
    assert.equal(freeCloneName("IB_LAB_ORU_2", graph), "IB_LAB_ORU_3");
    assert.equal(freeCloneName("IB_X", graph), "IB_X_2");
    assert.equal(nextFreePort(2602, new Set([2602, 2603, 2605])), 2604);
    assert.equal(clonePort(graph.nodes[0]!, graph), 2604);
    assert.equal(clonePort(graph.nodes[3]!, graph), undefined);
  });

  it("says where the copy went, its port, or that an env() port is shared", () => {
    const lab = node("inbound", "IB_LAB_ORU", { settings: { port: 2602 } });
    assert.equal(
      cloneWrittenMessage(lab, "IB_LAB_ORU_2", 2604),
      "IB_LAB_ORU_2 written to connections.toml beside IB_LAB_ORU. It listens on port 2604 (the next free one). Next: point it at its router or peer, then stage and promote.",
    );
    const envPort = node("inbound", "IB_ENV_ADT", { settings: { port: { env: "adt_port" } } });
    assert.equal(
      cloneWrittenMessage(envPort, "IB_ENV_ADT_2", undefined),
      'IB_ENV_ADT_2 written to connections.toml beside IB_ENV_ADT. Its port comes from env("adt_port"), as the original\'s: give the copy its own before both run. Next: point it at its router or peer, then stage and promote.',
    );
  });

  it("copies a connections.toml table right after the original, renamed and re-ported", () => {
    const toml = sample("connections.toml");
    const c = cloneTomlTable(toml, "IB_LAB_ORU", "IB_LAB_ORU_2", 2612);
    assert.ok("edit" in c);
    assert.equal(c.port, 2612);
    const after = applyEdits(toml, [c.edit]);
    assert.ok(
      after.includes(
        'port = 2602\n\n[[inbound]]\nname = "IB_LAB_ORU_2"\ntransport = "mllp"\nrouter = "lab_oru_router"\nstrict = false\n[inbound.settings]\nport = 2612\n\n[[outbound]]\nname = "OB_CLINIC_ORU"',
      ),
    );
    assert.equal(after.length - toml.length, c.edit.text.length);
    assert.deepEqual(cloneTomlTable(toml, "IB_NONE", "IB_NONE_2"), {
      error: "No [[inbound]] or [[outbound]] table named IB_NONE in connections.toml.",
    });
  });

  it("copies a TypeScript statement right after the original (options, env() kept)", () => {
    const adt = sample("adt.ts");
    const ib = cloneTsStatement(adt, "IB_ACME_ADT", "IB_ACME_ADT_2", 2612);
    assert.ok("edit" in ib);
    assert.ok(
      applyEdits(adt, [ib.edit]).includes(
        'inbound("IB_ACME_ADT", mllp({ port: 2601 }), { router: "acme_adt_router" });\ninbound("IB_ACME_ADT_2", mllp({ port: 2612 }), { router: "acme_adt_router" });\n',
      ),
    );
    const ob = cloneTsStatement(adt, "OB_BILLING_ADT", "OB_BILLING_ADT_2");
    assert.ok("edit" in ob);
    assert.equal(ob.port, undefined);
    assert.equal(
      ob.edit.text,
      '\noutbound("OB_BILLING_ADT_2", mllp({ host: env("billing_host"), port: env("billing_port", "int") }), {\n  retry: { attempts: 10, baseMs: 500 },\n});',
    );
  });
});

describe("Cookbook: recipes at the cursor", () => {
  it("holds the issue's recipes, each with a searchable detail and a place", () => {
    assert.deepEqual(
      RECIPES.map((r) => [r.label, r.place]),
      [
        ["Keep only abnormal results", "handler"],
        ["Map codes through a code set", "handler"],
        ["Route by message type", "router"],
        ["Add a Z segment", "handler"],
        ["Split a batch", "module"],
        ["JSON registration → ADT^A04", "module"],
        ["Strip next of kin", "handler"],
        ["Set a default when empty", "handler"],
      ],
    );
    assert.deepEqual(
      recipesFor("router").map((r) => r.id),
      ["route-by-type"],
    );
    assert.equal(camelName("abnormal_flags"), "abnormalFlags");
  });

  it("inserts at the cursor, indented to the line, the line's code pushed below", () => {
    const text =
      'import { handler, send } from "messagefoundry";\n\nhandler("h", (msg) => {\n  return send("OB_X", msg);\n});\n';
    const r = insertRecipe(
      text,
      at(text, "  return send"),
      recipe("default-when-empty"),
      recipeValues(recipe("default-when-empty")),
    );
    assert.ok("edits" in r);
    assert.equal(
      applyEdits(text, r.edits),
      'import { handler, send } from "messagefoundry";\n\nhandler("h", (msg) => {\n  // Default when empty: PV1-2 gets "U" when the sender left it empty.\n  if (!msg.get("PV1-2")) msg.set("PV1-2", "U");\n  return send("OB_X", msg);\n});\n',
    );
    const cs = recipe("map-code-set");
    const m = insertRecipe(
      text,
      at(text, "  return send"),
      cs,
      recipeValues(cs, { field: "PV1-2", codeSet: "patient_class" }),
    );
    assert.ok("edits" in m);
    assert.equal(
      applyEdits(text, m.edits),
      [
        'import { codeSet, handler, send } from "messagefoundry";',
        "",
        'handler("h", (msg) => {',
        "  // Map PV1-2 through the code set patient_class (codesets/patient_class.*) in every PV1:",
        "  // each code becomes its value; a code the set does not hold is kept as it is.",
        '  const patientClass = codeSet("patient_class");',
        '  for (const pv1 of msg.segments("PV1")) {',
        '    const code = pv1.get("PV1-2");',
        '    if (code) pv1.set("PV1-2", patientClass.map(code));',
        "  }",
        '  return send("OB_X", msg);',
        "});",
        "",
      ].join("\n"),
    );
  });

  it("refuses a cursor where the code would not compile, saying where it goes", () => {
    const text =
      'import { handler, router } from "messagefoundry";\nrouter("r", () => ["h"]);\nhandler("h", (msg) => {\n  return [];\n});\n';
    assert.deepEqual(placeAt(text, at(text, "  return")), { place: "handler", name: "h" });
    assert.deepEqual(placeAt(text, at(text, '["h"]')), { place: "expression", kind: "router", name: "r" });
    assert.deepEqual(placeAt(text, at(text, "handler(")), { place: "module" });
    assert.deepEqual(
      insertRecipe(text, at(text, '["h"]'), recipe("route-by-type"), recipeValues(recipe("route-by-type"))),
      {
        error:
          '"Route by message type" goes inside a router\'s { … } body; put the cursor there. The router r returns an expression: give it a { … } body first.',
      },
    );
    assert.deepEqual(insertRecipe(text, at(text, "handler("), recipe("strip-nk1"), {}), {
      error: '"Strip next of kin" goes inside a handler\'s { … } body; put the cursor there.',
    });
  });

  it("checks the answers", () => {
    const z = recipe("z-segment").params[0]!;
    assert.equal(checkRecipeValue(z, "ZPI"), undefined);
    assert.equal(checkRecipeValue(z, "PID"), "A Z segment name: Z and two letters or digits, e.g. ZPI.");
    assert.equal(checkRecipeValue(recipe("z-segment").params[1]!, "PV1-3.1"), undefined);
    assert.equal(checkRecipeValue(recipe("z-segment").params[1]!, "PV1"), "A field path such as PID-5.1.");
    assert.equal(
      checkRecipeValue(recipe("route-by-type").params[0]!, "ADT^A01, A04"),
      "Message types such as ADT^A01, ADT^A04.",
    );
  });
});

describe("The new wizards in the manifest", () => {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    contributes: {
      commands: { command: string; title: string }[];
      menus: Record<string, { command: string; when?: string }[]>;
    };
  };
  const extension = readFileSync(new URL("../src/extension.ts", import.meta.url), "utf8");

  it("contributes and registers each command, in the palette, the Config view's items and the editor menu", () => {
    const titles = Object.fromEntries(manifest.contributes.commands.map((c) => [c.command, c.title]));
    assert.deepEqual(
      ["wizard.router", "wizard.handler", "wizard.cloneConnection", "cookbook.insert"].map(
        (c) => titles[`messagefoundry.${c}`],
      ),
      ["New Router for Inbound…", "Add Handler to Router…", "Clone Connection…", "Insert Recipe…"],
    );
    for (const c of ["wizard.router", "wizard.handler", "wizard.cloneConnection", "cookbook.insert"])
      assert.match(extension, new RegExp(`"messagefoundry\\.${c.replace(".", "\\.")}"`), c);
    const items = manifest.contributes.menus["view/item/context"]!.filter((m) =>
      m.command.startsWith("messagefoundry.wizard."),
    );
    assert.deepEqual(
      items.map((m) => [m.command, m.when]),
      [
        ["messagefoundry.wizard.router", "view == messagefoundry.config && viewItem == configNode.inbound"],
        ["messagefoundry.wizard.handler", "view == messagefoundry.config && viewItem == configNode.router"],
        [
          "messagefoundry.wizard.cloneConnection",
          "view == messagefoundry.config && (viewItem == configNode.inbound || viewItem == configNode.outbound)",
        ],
      ],
    );
    assert.deepEqual(
      manifest.contributes.menus["editor/context"]!.find(
        (m) => m.command === "messagefoundry.cookbook.insert",
      )?.when,
      "resourceLangId == typescript",
    );
    // Run on a Config view item, a command gets the item; from the palette, nothing (or a Uri).
    assert.equal(explorerNodeName({ type: "item", item: { name: "lab_oru_router" } }), "lab_oru_router");
    assert.equal(explorerNodeName(undefined), undefined);
    assert.equal(explorerNodeName({ path: "/x" }), undefined);
    // The next steps they offer are the Route Wizard's, each a contributed command.
    for (const n of ROUTE_NEXT_STEPS) assert.ok(titles[n.command], n.command);
  });
});
