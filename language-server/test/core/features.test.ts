/**
 * The language features on the pure core, called directly (no JSON-RPC, no disk): fast, data-driven
 * checks of what a user sees at a cursor. The JSON-RPC suites (../*.test.ts) cover the adapter.
 */
import assert from "node:assert/strict";
import { complete, definition, hover, prepareRename, references, rename } from "../../src/core/index.js";
import { at, CURSOR, check, dict, fixture } from "./fixture.js";

/** A small config: connections in TOML, routing in TypeScript, two environments. */
const config = (routes: string, toml = "") => `
  //- connections.toml
  [[inbound]]
  name = "IB_ACME_ADT"
  transport = "mllp"
  router = "acme_adt_router"

  [inbound.settings]
  port = 2600

  [[outbound]]
  name = "OB_ACME_ADT"
  transport = "mllp"
  settings = { host = { env = "acme_adt_host" }, port = 2575 }

  [[outbound]]
  name = "OB_ACME_ARCHIVE"
  transport = "file"
  settings = { path = "/tmp/archive" }
  ${toml}
  //- environments/dev.toml
  acme_adt_host = "127.0.0.1"
  //- environments/prod.toml
  acme_adt_host = "adt.example.test"
  //- routes/acme.ts
  ${routes}
`;

const ROUTES = `import { handler, router, send } from "messagefoundry";

  router("acme_adt_router", (_msg) => ["acme_adt_handler"]);

  handler("acme_adt_handler", (msg) => {
    msg.set("PID-5.1", msg.get("PID-5.1")?.toUpperCase());
    return [send("OB_ACME_ADT", msg), send("OB_ACME_ARCHIVE", msg)];
  });`;

/** The config with `$0` put right after the first occurrence of `needle` in routes/acme.ts. */
const cursorAfter = (needle: string, routes = ROUTES) => {
  const i = routes.indexOf(needle);
  assert.ok(i >= 0, `${needle} not in the routes`);
  const end = i + needle.length;
  return config(`${routes.slice(0, end)}${CURSOR}${routes.slice(end)}`);
};

const hoverText = (model: Parameters<typeof hover>[0], c: { file: string; offset: number }) =>
  hover(model, dict(), c.file, c.offset)?.markdown ?? "(nothing)";

describe("core: hover", () => {
  it("describes an outbound named in send(): where declared, its transport, who feeds it", () => {
    check(
      cursorAfter('send("OB_ACME'),
      `
      **outbound** \`OB_ACME_ADT\`

      Declared in \`connections.toml:10:9\` (connections.toml) · mllp

      Fed by: handler \`acme_adt_handler\`
      `,
      hoverText,
    );
  });

  it("describes an HL7 path for the default version", () => {
    check(
      cursorAfter('msg.get("PID-5'),
      `
      **PID-5.1** — Family Name

      HL7 v2.5.1 · PID Patient Identification

      - Data type: \`FN\`
      - Optionality: optional (O)
      - Repeatable: no
      - Length: 194
      `,
      hoverText,
    );
  });

  it("says which environments define an env key and which miss it", () => {
    check(
      config(ROUTES)
        .replace('env = "acme_adt_host"', 'env = "acme_adt_h$0ost"')
        .replace('acme_adt_host = "adt.example.test"', "other_key = 1"),
      `
      **env** \`acme_adt_host\`

      Defined in: dev

      Missing from: prod
      `,
      hoverText,
    );
  });

  it("has nothing to say on plain code", () => {
    check(cursorAfter("(msg) =>"), "(nothing)", hoverText);
  });
});

describe("core: completion", () => {
  const labels = (model: Parameters<typeof complete>[0], c: { file: string; offset: number }) =>
    complete(model, dict(), c.file, c.offset)
      .map((e) => `${e.kind} ${e.label}`)
      .join("\n");

  it("offers the declared outbounds inside send()", () => {
    check(
      cursorAfter('send("'),
      `
      outbound OB_ACME_ADT
      outbound OB_ACME_ARCHIVE
      `,
      labels,
    );
  });

  it("offers the declared handlers in a router's returned array", () => {
    check(cursorAfter('["'), "handler acme_adt_handler", labels);
  });
});

describe("core: go to definition and references", () => {
  const defs = (model: Parameters<typeof definition>[0], c: { file: string; offset: number }) =>
    definition(model, c.file, c.offset).map(at).join("\n");
  const refs = (model: Parameters<typeof references>[0], c: { file: string; offset: number }) =>
    references(model, c.file, c.offset, true).map(at).sort().join("\n");

  it("goes from send() in TypeScript to the outbound declared in connections.toml", () => {
    check(cursorAfter('send("OB_'), "connections.toml:10:9", defs);
  });

  it("goes from connections.toml's router = to the TypeScript router", () => {
    check(
      config(ROUTES).replace('router = "acme_adt_router"', 'router = "acme_$0adt_router"'),
      "routes/acme.ts:3:9",
      defs,
    );
  });

  it("finds a router's declaration and its uses in both languages", () => {
    check(cursorAfter('router("acme'), "connections.toml:4:11\nroutes/acme.ts:3:9", refs);
  });
});

describe("core: rename", () => {
  it("renames an outbound in TypeScript and TOML alike", () => {
    const f = fixture(cursorAfter('send("OB_'));
    assert.ok(f.cursor);
    assert.deepEqual(prepareRename(f.model, f.cursor.file, f.cursor.offset), {
      file: "routes/acme.ts",
      line: 7,
      column: 17,
      endLine: 7,
      endColumn: 28,
    });
    const r = rename(f.model, f.cursor.file, f.cursor.offset, "OB_ACME_ADT2");
    assert.ok("edits" in r);
    assert.deepEqual(
      r.edits.map((e) => `${at(e.location)} ${e.newText}`),
      ["connections.toml:10:9 OB_ACME_ADT2", "routes/acme.ts:7:17 OB_ACME_ADT2"],
    );
  });

  it("refuses a name that is not a valid registry name", () => {
    const f = fixture(cursorAfter('send("OB_'));
    assert.ok(f.cursor);
    const r = rename(f.model, f.cursor.file, f.cursor.offset, "OB ACME");
    assert.ok("error" in r, "a name with a space is refused");
  });
});

describe("core: diagnostics", () => {
  /** Every problem of the config, `file:line:col CODE message`, in the order the editor lists them. */
  const problems = (text: string) => {
    const { model } = fixture(text);
    const out = [...model.analysis().problems().values()]
      .flat()
      .map((p) => `${at(p.location)} ${p.code} ${p.message}`);
    model.dispose();
    return out;
  };

  it("reports nothing for a consistent config", () => {
    assert.deepEqual(problems(config(ROUTES)), []);
  });

  it("reports an unknown handler at the name (quotes excluded), and the handler no router reaches", () => {
    assert.deepEqual(problems(config(ROUTES.replace('["acme_adt_handler"]', '["acme_adt_handlr"]'))), [
      'routes/acme.ts:3:39 MF-UNKNOWN-HANDLER "acme_adt_router" returns unknown handler "acme_adt_handlr"',
      'routes/acme.ts:5:10 MF-UNREACHABLE handler "acme_adt_handler" is not reached by any router',
    ]);
  });

  it("marks both sites of a name declared twice, across TypeScript and TOML", () => {
    const twice = ROUTES.replace(
      'import { handler, router, send } from "messagefoundry";',
      'import { handler, inbound, mllp, router, send } from "messagefoundry";\n\n  inbound("IB_ACME_ADT", mllp({ port: 2700 }), { router: "acme_adt_router" });',
    );
    const found = problems(config(twice)).filter((p) => p.includes("MF-DUPLICATE-NAME"));
    assert.deepEqual(
      found.map((p) => p.split(" ")[0]),
      ["connections.toml:2:9", "routes/acme.ts:3:10"],
      found.join("\n"),
    );
  });

  it("keeps the rest of connections.toml after a TOML syntax error", () => {
    const found = problems(config(ROUTES, '[[outbound]]\n  name = "OB_BROKEN\n'));
    assert.ok(
      found.some((p) => / MF-TOML-SYNTAX /.test(p)),
      found.join("\n"),
    );
    assert.ok(!found.some((p) => p.includes('"OB_ACME_ADT"')), "OB_ACME_ADT still declared");
  });
});
