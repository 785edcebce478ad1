import assert from "node:assert/strict";
import { type JsonSchema, TRANSPORT_SCHEMAS, TRANSPORTS } from "messagefoundry/graph";
import type { CompletionItem } from "vscode-languageserver";
import { check, type TestClient } from "./harness.js";

/** Completion at the `|` in `text` (the marker is removed before the unsaved edit is sent). */
async function completeAt(client: TestClient, rel: string, marked: string): Promise<CompletionItem[]> {
  const text = marked.replace("|", "");
  await client.change(rel, text);
  const position = client.position(rel, "|", 0, marked);
  return client.request<CompletionItem[]>("textDocument/completion", {
    textDocument: { uri: client.uri(rel) },
    position,
  });
}

const labels = (items: CompletionItem[]) => items.map((i) => i.label);

describe("language server: completion", () => {
  let client: TestClient;
  let acme: string;
  let toml: string;
  before(async () => {
    client = await check("basic", {}, async (c) => {
      await c.open("routes/acme.ts");
      await c.open("connections.toml");
    });
    acme = client.readDisk("routes/acme.ts");
    toml = client.readDisk("connections.toml");
  });
  after(() => client.stop());

  it("offers handler names inside a router's returned array, replacing the typed prefix", async () => {
    const items = await completeAt(
      client,
      "routes/acme.ts",
      acme.replace('(_msg) => ["acme_adt_handler"]', '(_msg) => ["acme_adt_handler", "ac|"]'),
    );
    assert.deepEqual(labels(items), ["acme_adt_handler"]);
    assert.deepEqual(items[0]?.textEdit, {
      range: { start: { line: 2, character: 58 }, end: { line: 2, character: 60 } },
      newText: "acme_adt_handler",
    });
    assert.equal(items[0]?.labelDetails?.description, "routes/acme.ts:5");
  });

  it("offers outbound names in send(, with or without the opening quote", async () => {
    const quoted = await completeAt(
      client,
      "routes/acme.ts",
      acme.replace('send("OB_ACME_ADT", msg)', 'send("|", msg)'),
    );
    assert.deepEqual(labels(quoted), ["OB_ACME_ADT"]);
    assert.equal(
      quoted[0]?.textEdit && "range" in quoted[0].textEdit ? quoted[0].textEdit.newText : "",
      "OB_ACME_ADT",
    );
    const bare = await completeAt(
      client,
      "routes/acme.ts",
      acme.replace('return send("OB_ACME_ADT", msg);', "return send(|"),
    );
    assert.deepEqual(
      bare.map((i) => [i.label, i.textEdit?.newText]),
      [["OB_ACME_ADT", '"OB_ACME_ADT"']],
    );
  });

  it("offers router names in inbound(..., { router: })", async () => {
    const items = await completeAt(
      client,
      "routes/acme.ts",
      `${acme}\ninbound("IB_TEST_ADT", mllp({ port: 2601 }), { router: "|" });\n`,
    );
    assert.deepEqual(labels(items), ["acme_adt_router"]);
  });

  it("offers env keys from the environment files in env(", async () => {
    const items = await completeAt(client, "routes/acme.ts", `${acme}\nconst host = env("acme|");\n`);
    assert.deepEqual(
      items.map((i) => [i.label, i.labelDetails?.description]),
      [
        ["acme_adt_host", "dev, prod"],
        ["acme_adt_port", "dev, prod"],
      ],
    );
  });

  it("offers HL7 fields with their names, then components", async () => {
    const fields = await completeAt(
      client,
      "routes/acme.ts",
      acme.replace('msg.get("PID-5.1")?', 'msg.get("PID-|")?'),
    );
    assert.equal(fields.length, 39);
    const five = fields.find((i) => i.label === "PID-5");
    assert.deepEqual(
      [five?.label, five?.labelDetails?.detail, five?.detail],
      ["PID-5", "  Patient Name", "XPN"],
    );
    const comps = await completeAt(
      client,
      "routes/acme.ts",
      acme.replace('msg.get("PID-5.1")?', 'msg.get("PID-5.|")?'),
    );
    assert.deepEqual(
      comps.slice(0, 3).map((i) => `${i.label}${i.labelDetails?.detail}`),
      [
        "PID-5.1  Family Name",
        "PID-5.2  Given Name",
        "PID-5.3  Second and Further Given Names or Initials Thereof",
      ],
    );
    assert.deepEqual(
      comps[0]?.textEdit && "range" in comps[0].textEdit ? comps[0].textEdit.range : undefined,
      {
        start: { line: 6, character: 30 },
        end: { line: 6, character: 36 },
      },
    );
  });

  it("offers transport settings keys not yet written, per transport, in connections.toml", async () => {
    const items = await completeAt(
      client,
      "connections.toml",
      toml.replace("port = 2600\n", "port = 2600\n|\n"),
    );
    // Every mllp setting of the shared schema, in schema order, except `port` (already written).
    const mllp: Record<string, unknown> = TRANSPORT_SCHEMAS.mllp.properties;
    assert.deepEqual(
      labels(items),
      Object.keys(mllp).filter((k) => k !== "port"),
    );
    assert.equal(items.find((i) => i.label === "maxFrameBytes")?.detail, "integer");
    const inline = await completeAt(
      client,
      "connections.toml",
      toml.replace("settings = { host", "settings = { keep|host"),
    );
    assert.ok(labels(inline).includes("keepAlive"));
  });

  it("offers transports, routers and enum values as connections.toml values", async () => {
    const transports = await completeAt(
      client,
      "connections.toml",
      toml.replace('transport = "mllp"', 'transport = "|"'),
    );
    // Every transport whose schema allows an inbound, in schema order (the remote file ones included).
    const inbound = TRANSPORTS.filter((t) =>
      ((TRANSPORT_SCHEMAS[t] as JsonSchema)["x-mf-directions"] ?? []).includes("inbound"),
    );
    assert.deepEqual(labels(transports), inbound);
    for (const t of ["mllp", "file", "sftp", "ftp", "ftps", "database"])
      assert.ok(inbound.includes(t as never), t);
    const routers = await completeAt(
      client,
      "connections.toml",
      toml.replace('router = "acme_adt_router"', 'router = "|"'),
    );
    assert.deepEqual(labels(routers), ["acme_adt_router"]);
    const ack = await completeAt(
      client,
      "connections.toml",
      toml.replace('router = "acme_adt_router"', 'router = "acme_adt_router"\nack = |'),
    );
    assert.deepEqual(
      ack.map((i) => i.textEdit?.newText),
      ['"original"', '"enhanced"', '"none"'],
    );
    const env = await completeAt(
      client,
      "connections.toml",
      toml.replace('{ env = "acme_adt_host" }', '{ env = "|" }'),
    );
    assert.deepEqual(labels(env), ["acme_adt_host", "acme_adt_port"]);
  });

  it("offers entry keys in an [[inbound]] table", async () => {
    const items = await completeAt(
      client,
      "connections.toml",
      toml.replace('router = "acme_adt_router"\n', 'router = "acme_adt_router"\n|\n'),
    );
    assert.deepEqual(labels(items), [
      "settings",
      "contentType",
      "ack",
      "strict",
      "hl7Version",
      "storeWaitMs",
      "identifiers",
      "duplicates",
      "description",
    ]);
  });

  it("offers nothing where no name is expected", async () => {
    const items = await completeAt(
      client,
      "routes/acme.ts",
      acme.replace('if (msg.get("MSH-9.2") === "A08")', 'if (msg.get("MSH-9.2") === "A0|8")'),
    );
    assert.deepEqual(items, []);
  });
});
