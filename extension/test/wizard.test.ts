import assert from "node:assert/strict";
import type { GraphNode, RegistryGraph } from "messagefoundry/graph";
import {
  appendToToml,
  checkConnectionName,
  checkFieldPath,
  checkFunctionName,
  checkModuleFile,
  checkPort,
  checkSchemaSetting,
  type FieldCatalog,
  generateConnection,
  generateRoute,
  INBOUND_TRANSPORTS,
  InputValidation,
  OUTBOUND_TRANSPORTS,
  parseMessageTypes,
  type RouteAnswers,
  schemaSettings,
  suggestNames,
  validateConnection,
  validateRoute,
} from "../src/wizard/model.js";

const at = (file: string, line: number) => ({ file, line, column: 1, endLine: line, endColumn: 10 });
const node = (kind: GraphNode["kind"], name: string, extra: Partial<GraphNode> = {}): GraphNode => ({
  kind,
  name,
  origin: "ts",
  location: at("existing.ts", 4),
  ...extra,
});

const graph: RegistryGraph = {
  version: 1,
  nodes: [
    node("inbound", "IB_LAB_ORU", { transport: "mllp", settings: { port: 2600 } }),
    node("inbound", "IB_WEB_JSON", { transport: "http", settings: { port: { env: "web_port" } } }),
    node("outbound", "OB_LAB_ORU", { transport: "mllp" }),
    node("router", "lab_oru_router"),
    node("handler", "lab_oru_handler"),
  ],
  edges: [],
  envUses: [],
};

/** A stand-in for getDefinitions("2.5"): PID has 39 fields, PV1 52, MSH 21. */
const catalog: FieldCatalog = {
  fields: (segment) => {
    const counts: Record<string, number> = { PID: 39, PV1: 52, MSH: 21 };
    const n = counts[segment];
    return n === undefined
      ? undefined
      : Array.from({ length: n }, (_, i) => ({ name: `${segment}-${i + 1}` }));
  },
};

function answers(): RouteAnswers {
  const names = suggestNames("acme", "adt");
  return {
    inbound: {
      direction: "inbound",
      name: names.inbound,
      transport: "mllp",
      port: 2601,
      contentType: "hl7v2",
      router: names.router,
    },
    router: { name: names.router, messageTypes: ["ADT^A01", "ADT^A04"] },
    handlers: [
      {
        name: names.handler,
        filter: { path: "PV1-2", op: "equals", value: "I" },
        mappings: [
          { target: "PID-5.1", from: "PID-5.1", transform: "upper" },
          { target: "MSH-5", value: "TEST^RECEIVER" },
        ],
        outbounds: [names.outbound, "OB_LAB_ORU"],
      },
    ],
    newOutbounds: [
      {
        direction: "outbound",
        name: names.outbound,
        transport: "mllp",
        host: "env:acme_host",
        port: "env:acme_port",
      },
    ],
    moduleFile: names.moduleFile,
  };
}

/** One check(input, expected) helper per validator keeps the cases readable as a table. */
function check<T>(fn: (input: T) => string | undefined, cases: [T, string | undefined][]) {
  for (const [input, expected] of cases) assert.equal(fn(input), expected, `for ${JSON.stringify(input)}`);
}

describe("wizard step validation", () => {
  it("suggests names that follow [TYPE]_[PARTNER]_[MESSAGE]", () => {
    assert.deepEqual(suggestNames("Acme Health", "adt"), {
      inbound: "IB_ACME_HEALTH_ADT",
      outbound: "OB_ACME_HEALTH_ADT",
      router: "acme_health_adt_router",
      handler: "acme_health_adt_handler",
      moduleFile: "acme_health_adt.ts",
    });
  });

  it("checks connection names for convention, direction and uniqueness against the graph", () => {
    check(
      (n: string) => checkConnectionName(n, "inbound", graph, ["IB_ACME_ORM"]),
      [
        ["IB_ACME_ADT", undefined],
        ["", "A name is required."],
        [
          "ib_acme_adt",
          "Use the naming convention [TYPE]_[PARTNER]_[MESSAGE] in capitals, e.g. IB_ACME_ADT.",
        ],
        ["IB_ACME", "Use the naming convention [TYPE]_[PARTNER]_[MESSAGE] in capitals, e.g. IB_ACME_ADT."],
        ["OB_ACME_ADT", "An inbound connection's name starts with IB_."],
        ["IB_LAB_ORU", "IB_LAB_ORU already exists (existing.ts:4)."],
        ["IB_ACME_ORM", "IB_ACME_ORM is already used in this wizard."],
      ],
    );
    // Names are unique within a kind: an outbound may share nothing with inbounds but its own kind.
    assert.equal(
      checkConnectionName("OB_LAB_ORU", "outbound", graph),
      "OB_LAB_ORU already exists (existing.ts:4).",
    );
  });

  it("checks router and handler names", () => {
    check(
      (n: string) => checkFunctionName(n, "router", graph),
      [
        ["acme_adt_router", undefined],
        ["AcmeRouter", "Use lower-case snake_case for a router, e.g. acme_adt_router."],
        ["lab_oru_router", "A router named lab_oru_router already exists (existing.ts:4)."],
      ],
    );
    assert.equal(checkFunctionName("lab_oru_router", "handler", graph), undefined);
  });

  it("checks ports: range, env references and listener collisions", () => {
    check(
      (p: string) => checkPort(p, { listening: true, graph, pendingPorts: [2700] }),
      [
        ["2601", undefined],
        ["env:acme_port", undefined],
        ["", "A port is required."],
        ["26o1", "Enter a port number (1–65535) or env:KEY."],
        ["70000", "A port is between 1 and 65535."],
        ["0", "A port is between 1 and 65535."],
        ["2600", "Port 2600 is already used by IB_LAB_ORU (existing.ts:4)."],
        ["2700", "Port 2700 is already used in this wizard."],
      ],
    );
    // An outbound connects to a peer: another listener's port is no conflict.
    assert.equal(checkPort("2600", { listening: false, graph }), undefined);
  });

  it("parses message types", () => {
    assert.deepEqual(parseMessageTypes("adt^a01, ADT^A04 ADT^A01"), { types: ["ADT^A01", "ADT^A04"] });
    assert.deepEqual(parseMessageTypes("ADT^A04^ADT_A01"), { types: ["ADT^A04^ADT_A01"] });
    assert.deepEqual(parseMessageTypes(" "), { error: "Enter at least one message type, e.g. ADT^A01." });
    assert.deepEqual(parseMessageTypes("ADT^A01, ADT-A04"), {
      error: '"ADT-A04" is not a message type like ADT^A01.',
    });
  });

  it("checks field paths against the version's definitions", () => {
    check(
      (p: string) => checkFieldPath(p, catalog),
      [
        ["PID-5.1", undefined],
        ["PID-3[2].1", undefined],
        ["OBX[2]-5", "Unknown segment OBX in this HL7 version."],
        ["ZPI-4", undefined],
        ["PID-40", "PID has 39 fields; PID-40 does not exist."],
        ["PID-0", "Field numbers start at 1."],
        ["PID.5", '"PID.5" is not a field path like PID-5 or PID-5.1.'],
      ],
    );
    assert.equal(checkFieldPath("OBX-5"), undefined, "without a catalog only the syntax is checked");
  });

  it("checks the module file", () => {
    check(
      (p: string) => checkModuleFile(p, ["acme.ts"]),
      [
        ["routes/acme_adt.ts", undefined],
        ["acme.ts", "acme.ts already exists."],
        ["../outside.ts", "Enter a relative path ending in .ts, e.g. acme_adt.ts."],
        ["acme.js", "Enter a relative path ending in .ts, e.g. acme_adt.ts."],
        ["_helpers.ts", "Files starting with _ are helpers and are not loaded."],
      ],
    );
  });

  it("accepts a complete route and reports each step's problems in step order", () => {
    assert.deepEqual(validateRoute(answers(), graph, { catalog }), []);
    const bad = answers();
    bad.inbound.port = 2600;
    bad.router.name = "lab_oru_router";
    bad.inbound.router = "lab_oru_router";
    bad.handlers[0]!.mappings.push({ target: "PID-99" });
    bad.handlers[0]!.outbounds.push("OB_NOWHERE_ADT");
    bad.newOutbounds[0]!.host = undefined;
    assert.deepEqual(validateRoute(bad, graph, { catalog, existingFiles: ["acme_adt.ts"] }), [
      { step: "inbound", message: "IB_ACME_ADT: Port 2600 is already used by IB_LAB_ORU (existing.ts:4)." },
      { step: "router", message: "A router named lab_oru_router already exists (existing.ts:4)." },
      { step: "outbound", message: "OB_ACME_ADT: a host is required." },
      { step: "handler", message: "acme_adt_handler: PID has 39 fields; PID-99 does not exist." },
      { step: "handler", message: "acme_adt_handler: mapping to PID-99 needs a source field or a value." },
      { step: "handler", message: "acme_adt_handler: unknown outbound OB_NOWHERE_ADT." },
      { step: "module", message: "acme_adt.ts already exists." },
    ]);
  });
});

describe("wizard file generation", () => {
  it("writes a readable module with the router, the filter, the mappings and the sends", () => {
    const { module, tomlAppend } = generateRoute(answers());
    assert.equal(module.path, "acme_adt.ts");
    assert.equal(
      module.text,
      [
        "// Route IB_ACME_ADT → acme_adt_router → OB_ACME_ADT, OB_LAB_ORU.",
        "// Written by the MessageFoundry Route Wizard; edit freely. IB_ACME_ADT, OB_ACME_ADT: see connections.toml.",
        'import { handler, router, send } from "messagefoundry";',
        "",
        "// Message types this route accepts (MSH-9); anything else is left unrouted.",
        'const ACCEPTED = new Set(["ADT^A01", "ADT^A04"]);',
        "",
        'router("acme_adt_router", (msg) => (ACCEPTED.has(msg.messageType) ? ["acme_adt_handler"] : []));',
        "",
        'handler("acme_adt_handler", (msg) => {',
        '  // Keep only messages where PV1-2 is "I".',
        '  if (msg.get("PV1-2") !== "I") return [];',
        "  // Field mappings.",
        '  msg.set("PID-5.1", msg.get("PID-5.1")?.toUpperCase());',
        '  msg.set("MSH-5", "TEST^RECEIVER");',
        '  return [send("OB_ACME_ADT", msg), send("OB_LAB_ORU", msg)];',
        "});",
        "",
      ].join("\n"),
    );
    assert.equal(
      tomlAppend,
      [
        "",
        "[[inbound]]",
        'name = "IB_ACME_ADT"',
        'transport = "mllp"',
        'router = "acme_adt_router"',
        'contentType = "hl7v2"',
        "[inbound.settings]",
        "port = 2601",
        "",
        "[[outbound]]",
        'name = "OB_ACME_ADT"',
        'transport = "mllp"',
        "[outbound.settings]",
        'host = { env = "acme_host" }',
        'port = { env = "acme_port", cast = "int" }',
        "",
      ].join("\n"),
    );
  });

  it("routes non-HL7 content without message types or field access", () => {
    const a = answers();
    a.inbound = { ...a.inbound, transport: "http", port: 8080, path: "/intake", contentType: "json" };
    a.handlers[0]!.outbounds = ["OB_LAB_ORU"];
    const text = generateRoute(a).module.text;
    assert.match(text, /^router\("acme_adt_router", \(\) => \["acme_adt_handler"\]\);$/m);
    assert.doesNotMatch(text, /msg\.(get|set)\(/);
    assert.match(text, /^ {2}return send\("OB_LAB_ORU", msg\);$/m);
  });

  it("escapes user text so it cannot break out of a string", () => {
    const a = answers();
    a.handlers[0]!.mappings = [{ target: "MSH-5", value: 'A"B\\C\nD' }];
    assert.match(generateRoute(a).module.text, /msg\.set\("MSH-5", "A\\"B\\\\C\\nD"\);/);
    assert.equal(
      generateConnection({ direction: "outbound", name: "OB_X_Y", transport: "file", path: 'C:\\out\\"x"' }),
      '\n[[outbound]]\nname = "OB_X_Y"\ntransport = "file"\n[outbound.settings]\npath = "C:\\\\out\\\\\\"x\\""\n',
    );
  });

  it("offers soap and smtp connections: their required answers are checked and written as settings", () => {
    const soapIn = { direction: "inbound", name: "IB_PARTNER_ADT", transport: "soap", router: "r" } as const;
    assert.deepEqual(validateConnection({ ...soapIn }, undefined), ["IB_PARTNER_ADT: A port is required."]);
    const soapOut = { direction: "outbound", name: "OB_PARTNER_ADT", transport: "soap" } as const;
    assert.deepEqual(validateConnection({ ...soapOut }, undefined), ["OB_PARTNER_ADT: a URL is required."]);
    const smtp = { direction: "outbound", name: "OB_MAIL_ADT", transport: "smtp" } as const;
    assert.deepEqual(validateConnection({ ...smtp }, undefined), [
      "OB_MAIL_ADT: a host is required.",
      "OB_MAIL_ADT: a sender address is required.",
      "OB_MAIL_ADT: a recipient is required.",
    ]);
    assert.equal(
      generateConnection({ ...soapOut, url: "env:partner_url", operation: "SubmitRequest" }),
      '\n[[outbound]]\nname = "OB_PARTNER_ADT"\ntransport = "soap"\n[outbound.settings]\nurl = { env = "partner_url" }\noperation = "SubmitRequest"\n',
    );
    assert.equal(
      generateConnection({
        ...smtp,
        host: "mail.test",
        port: 587,
        from: "engine@x.test",
        to: "ward-{MSH-10}@x.test",
      }),
      '\n[[outbound]]\nname = "OB_MAIL_ADT"\ntransport = "smtp"\n[outbound.settings]\nhost = "mail.test"\nport = 587\nfrom = "engine@x.test"\nto = "ward-{MSH-10}@x.test"\n',
    );
  });

  it("appends to connections.toml on a fresh line, or starts a new one", () => {
    const table = generateConnection({
      direction: "outbound",
      name: "OB_X_Y",
      transport: "rest",
      url: "https://x.test/",
    });
    assert.equal(appendToToml('# mine\n[[inbound]]\nname = "IB_A_B"', table), `\n${table}`);
    assert.equal(appendToToml("# mine\n", table), table);
    assert.equal(appendToToml(undefined, table), `# Connections as data (MessageFoundry).\n${table}`);
    assert.equal(appendToToml("x\n", ""), "");
  });
});

describe("wizard input validation display", () => {
  const partner = (v: string) =>
    /^[A-Za-z][A-Za-z0-9 _-]*$/.test(v.trim()) ? undefined : "Letters, digits, spaces, _ or -.";

  it("shows the prompt, not the rule, for an empty first step (VS Code echoes the initial value)", () => {
    const v = new InputValidation("", partner);
    assert.equal(v.onChange(""), undefined, "the echo of the initial value is not typing");
    assert.equal(v.onChange("1"), "Letters, digits, spaces, _ or -.");
    assert.equal(v.onChange("ACME"), undefined);
    assert.equal(v.onChange(""), "Letters, digits, spaces, _ or -.", "cleared after typing: say why");
  });

  it("checks on Enter even when nothing was typed, and keeps a pre-filled answer quiet", () => {
    assert.equal(new InputValidation("", partner).onAccept(""), "Letters, digits, spaces, _ or -.");
    const back = new InputValidation("ACME", partner);
    assert.equal(back.onChange("ACME"), undefined);
    assert.equal(back.onAccept("ACME"), undefined);
  });
});

describe("wizard: transports asked from their schema (sftp, ftp, ftps)", () => {
  it("offers the remote file transports both ways and asks their required settings; secrets as env:KEY only", () => {
    assert.ok(INBOUND_TRANSPORTS.includes("sftp") && OUTBOUND_TRANSPORTS.includes("ftps"));
    const asked = schemaSettings("sftp", "inbound");
    assert.deepEqual(
      asked.map((s) => s.key),
      ["host", "path", "username", "hostKey", "password"],
    );
    const password = asked.find((s) => s.key === "password")!;
    assert.equal(password.secret, true);
    assert.match(checkSchemaSetting(password, "hunter2") ?? "", /secret: write env:KEY/);
    assert.equal(checkSchemaSetting(password, "env:sftp_password"), undefined);
    assert.deepEqual(
      schemaSettings("ftp", "outbound").map((s) => s.key),
      ["host", "path"],
    );
  });

  it("writes the answers into a connections.toml table, and validates missing ones", () => {
    const c = {
      direction: "inbound" as const,
      name: "IB_ACME_FILES",
      transport: "sftp" as const,
      router: "acme_router",
      settings: {
        host: "env:acme_sftp_host",
        path: "/outgoing",
        username: "mefor",
        hostKey: "insecure-accept-any",
        password: "env:acme_sftp_password",
      },
    };
    assert.equal(
      generateConnection(c),
      [
        "",
        "[[inbound]]",
        'name = "IB_ACME_FILES"',
        'transport = "sftp"',
        'router = "acme_router"',
        'contentType = "hl7v2"',
        "[inbound.settings]",
        'host = { env = "acme_sftp_host" }',
        'path = "/outgoing"',
        'username = "mefor"',
        'hostKey = "insecure-accept-any"',
        'password = { env = "acme_sftp_password" }',
        "",
      ].join("\n"),
    );
    const missing = validateConnection({ ...c, settings: { host: "h", path: "/x" } }, graph);
    assert.deepEqual(missing, [
      "IB_ACME_FILES: username is required.",
      "IB_ACME_FILES: hostKey is required.",
      "IB_ACME_FILES: password is required.",
    ]);
  });
});

describe("wizard: the DICOM connectors, asked from their schema", () => {
  it("offers dicom both ways and dicomweb outbound, asking what each direction needs", () => {
    assert.ok(INBOUND_TRANSPORTS.includes("dicom") && OUTBOUND_TRANSPORTS.includes("dicom"));
    assert.ok(OUTBOUND_TRANSPORTS.includes("dicomweb"));
    assert.deepEqual(
      schemaSettings("dicom", "inbound").map((s) => s.key),
      ["port", "aeTitle"],
    );
    assert.deepEqual(
      schemaSettings("dicom", "outbound").map((s) => s.key),
      ["port", "host", "calledAeTitle"],
    );
    assert.deepEqual(
      schemaSettings("dicomweb", "outbound").map((s) => s.key),
      ["url"],
    );
  });
});
