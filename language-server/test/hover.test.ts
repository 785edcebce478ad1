import assert from "node:assert/strict";
import type { DocumentSymbol, FoldingRange, Hover } from "vscode-languageserver";
import { check, type TestClient } from "./harness.js";

describe("language server: hover", () => {
  let client: TestClient;
  before(async () => {
    client = await check("basic", {}, (c) => c.open("routes/acme.ts"));
  });
  after(() => client.stop());

  const hover = (rel: string, needle: string, delta = 1) =>
    client.request<Hover | null>("textDocument/hover", {
      textDocument: { uri: client.uri(rel) },
      position: client.position(rel, needle, delta),
    });
  const value = (h: Hover | null) =>
    h && typeof h.contents === "object" && "value" in h.contents ? h.contents.value : "";

  it("describes an HL7 field path for the message version: name, type, optionality, repetition, length", async () => {
    const h = await hover("routes/acme.ts", '"PID-5.1"');
    assert.equal(
      value(h),
      [
        "**PID-5.1** — Family Name",
        "",
        "HL7 v2.5.1 · PID Patient Identification",
        "",
        "- Data type: `FN`",
        "- Optionality: optional (O)",
        "- Repeatable: no",
        "- Length: 194",
      ].join("\n"),
    );
    assert.deepEqual(h?.range, { start: { line: 6, character: 11 }, end: { line: 6, character: 18 } });
  });

  it("describes a router: kind, where declared, what feeds it, where it sends", async () => {
    const h = await hover("routes/acme.ts", '"acme_adt_router"');
    assert.equal(
      value(h),
      [
        "**router** `acme_adt_router`",
        "",
        "Declared in `routes/acme.ts:3:9` (TypeScript)",
        "",
        "Fed by: inbound `IB_ACME_ADT`",
        "",
        "Sends to: handler `acme_adt_handler`",
      ].join("\n"),
    );
  });

  it("describes an outbound declared in TOML from its use in send()", async () => {
    const h = await hover("routes/acme.ts", '"OB_ACME_ADT"');
    assert.equal(
      value(h),
      [
        "**outbound** `OB_ACME_ADT`",
        "",
        "Declared in `connections.toml:11:9` (connections.toml) · mllp",
        "",
        "Fed by: handler `acme_adt_handler`",
      ].join("\n"),
    );
  });

  it("says where an env key is defined", async () => {
    const h = await hover("connections.toml", '"acme_adt_host"');
    assert.equal(value(h), ["**env** `acme_adt_host`", "", "Defined in: dev, prod"].join("\n"));
  });

  it("describes a connections.toml setting from the transport's JSON Schema", async () => {
    const h = await hover("connections.toml", "port = 2600", 0);
    assert.equal(
      value(h),
      ["**port** — mllp setting", "", "TCP port", "", "`integer` · range 1–65535"].join("\n"),
    );
    assert.deepEqual(h?.range, { start: { line: 7, character: 0 }, end: { line: 7, character: 4 } });
    const opt = await hover("connections.toml", 'router = "', 0);
    assert.equal(value(opt).split("\n")[0], "**router** — inbound option");
  });

  it("returns null where there is nothing to say", async () => {
    assert.equal(await hover("routes/acme.ts", "import", 0), null);
  });
});

describe("language server: .hl7 files", () => {
  let client: TestClient;
  before(async () => {
    client = await check(
      "hl7",
      { "batch.hl7": ["7:22-7:23 HL7_REQUIRED_FIELD_MISSING PID-5: PID-5 (Patient Name) is required"] },
      (c) => c.open("batch.hl7"),
    );
  });
  after(() => client.stop());

  const hoverAt = (line: number, character: number) =>
    client.request<Hover | null>("textDocument/hover", {
      textDocument: { uri: client.uri("batch.hl7") },
      position: { line, character },
    });
  const value = (h: Hover | null) =>
    h && typeof h.contents === "object" && "value" in h.contents ? h.contents.value : "";

  it("hovers a component by the message's MSH-12 version", async () => {
    // PID-5.2 of the first message (v2.5.1): "PATIENT".
    const first = await hoverAt(2, 31);
    assert.match(value(first), /^\*\*PID-5\.2\*\* — Given Name\n\nHL7 v2\.5\.1 /);
    assert.deepEqual(first?.range, { start: { line: 2, character: 29 }, end: { line: 2, character: 36 } });
    // PID-3.1 of the second message (v2.3).
    const second = await hoverAt(6, 8);
    assert.match(value(second), /^\*\*PID-3\.1\*\* — .*\n\nHL7 v2\.3 /);
  });

  it("hovers a segment name", async () => {
    assert.equal(value(await hoverAt(1, 1)), "**EVN** — Event Type (HL7 v2.5.1)");
  });

  it("lists one symbol per message with its segments", async () => {
    const syms = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", {
      textDocument: { uri: client.uri("batch.hl7") },
    });
    assert.deepEqual(
      syms.map((s) => [
        s.name,
        s.detail,
        s.range.start.line,
        s.range.end.line,
        s.children?.map((c) => c.name),
      ]),
      [
        ["ADT^A01 MSG0001", "HL7 v2.5.1", 0, 3, ["MSH", "EVN", "PID", "PV1"]],
        ["ADT^A08 MSG0002", "HL7 v2.3", 4, 7, ["MSH", "EVN", "PID", "ZZZ"]],
      ],
    );
  });

  it("folds each message of a batch file", async () => {
    const folds = await client.request<FoldingRange[]>("textDocument/foldingRange", {
      textDocument: { uri: client.uri("batch.hl7") },
    });
    assert.deepEqual(folds, [
      { startLine: 0, endLine: 3 },
      { startLine: 4, endLine: 7 },
    ]);
  });
});
