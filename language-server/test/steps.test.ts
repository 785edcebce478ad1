/**
 * The Steps requests through real JSON-RPC: `messagefoundry/steps` at a position and by name, the
 * "Open as Steps" code lenses, and `messagefoundry/stepEdit` — each edit applied to the open document
 * as the extension does, after which the server publishes no new diagnostic (type errors included).
 */
import assert from "node:assert/strict";
import type { CodeLens } from "vscode-languageserver";
import { LineIndex } from "../src/core/index.js";
import {
  StepCompletionsRequest,
  type StepEdit,
  StepEditRequest,
  StepsRequest,
  type StepsResult,
} from "../src/protocol.js";
import { check, type TestClient } from "./harness.js";

const FILE = "routes/acme.ts";

describe("language server: messagefoundry/steps", () => {
  let client: TestClient;
  before(async () => {
    client = await check("basic", {}, (c) => c.open(FILE));
  });
  after(() => client.stop());

  it("answers the rows of the handler at a position, and of a router by name", async () => {
    const at = client.position(FILE, "msg.set");
    const r = await client.rpc.sendRequest(StepsRequest, { uri: client.uri(FILE), position: at });
    assert.ok(r);
    assert.equal(r.configDir, client.uri("."));
    assert.deepEqual(
      r.steps.body.rows.map(
        (row) => `${row.id} ${row.kind} ${row.location.line} ${row.args.map((a) => a.value)}`,
      ),
      ["0 if 6 ", '1 set 7 PID-5.1,msg.get("PID-5.1")?.toUpperCase()', "2 send 8 OB_ACME_ADT"],
    );
    assert.deepEqual(r.names.outbound, ["OB_ACME_ADT"]);
    const router = await client.rpc.sendRequest(StepsRequest, {
      uri: client.uri(FILE),
      name: "acme_adt_router",
      kind: "router",
    });
    assert.deepEqual(
      router?.steps.body.rows.map((row) => `${row.kind} ${row.args.map((a) => a.value)}`),
      ["route acme_adt_handler"],
    );
    assert.equal(await client.rpc.sendRequest(StepsRequest, { uri: client.uri(FILE), name: "nope" }), null);
  });

  it("puts an Open as Steps code lens above each router and handler", async () => {
    const lenses = await client.request<CodeLens[]>("textDocument/codeLens", {
      textDocument: { uri: client.uri(FILE) },
    });
    assert.deepEqual(
      lenses.map((l) => `${l.range.start.line + 1} ${l.command?.title} ${l.command?.arguments?.slice(1)}`),
      ["3 Open as Steps router,acme_adt_router", "5 Open as Steps handler,acme_adt_handler"],
    );
    assert.equal(lenses[0]?.command?.command, "messagefoundry.steps.show");
  });

  it("turns row edits into text edits that leave the diagnostics clean", async () => {
    const edits: StepEdit[] = [
      { type: "setArg", row: "0:then/0", arg: 0, value: "x" }, // refused: a stop has no argument
      { type: "insert", block: "", index: 2, step: { kind: "set", path: "MSH-5", value: "EMR" } },
      { type: "insert", block: "", index: 0, step: { kind: "copy", path: "PV1-3.1", source: "PV1-3.2" } },
      { type: "setArg", row: "3", arg: 1, value: "BILLING" },
      { type: "move", row: "3", to: 1 },
      { type: "delete", row: "0" },
      { type: "insert", block: "", index: 0, step: { kind: "deleteSegment", segment: "NK1" } },
    ];
    const errors: string[] = [];
    for (const edit of edits) {
      const steps = (await client.rpc.sendRequest(StepsRequest, {
        uri: client.uri(FILE),
        name: "acme_adt_handler",
      })) as StepsResult;
      const r = await client.rpc.sendRequest(StepEditRequest, {
        uri: client.uri(FILE),
        kind: "handler",
        name: "acme_adt_handler",
        revision: steps.revision,
        edit,
      });
      if (r.error) {
        errors.push(r.error);
        continue;
      }
      await client.change(FILE, applyEdits(text, r.edits));
      await client.settle({});
    }
    assert.deepEqual(errors, ["No argument 0 on row 0:then/0."]);
    assert.equal(
      text,
      `import { handler, router, send } from "messagefoundry";

router("acme_adt_router", (_msg) => ["acme_adt_handler"]);

handler("acme_adt_handler", (msg) => {
  msg.deleteSegments("NK1");
  msg.set("MSH-5", "BILLING");
  if (msg.get("MSH-9.2") === "A08") return [];
  msg.set("PID-5.1", msg.get("PID-5.1")?.toUpperCase());
  return send("OB_ACME_ADT", msg);
});
`,
    );
  });

  it("completes an argument as code does", async () => {
    const r = await client.rpc.sendRequest(StepCompletionsRequest, {
      uri: client.uri(FILE),
      kind: "handler",
      name: "acme_adt_handler",
      role: "outbound",
      typed: "OB",
    });
    assert.deepEqual(r.items, [{ value: "OB_ACME_ADT" }]);
  });

  it("refuses an edit made against an older text", async () => {
    const r = await client.rpc.sendRequest(StepEditRequest, {
      uri: client.uri(FILE),
      kind: "handler",
      name: "acme_adt_handler",
      revision: -1,
      edit: { type: "delete", row: "0" },
    });
    assert.deepEqual(r.edits, []);
    assert.match(r.error ?? "", /changed since the steps were shown/);
  });

  let text = "";
  before(() => {
    text = client.readDisk(FILE);
  });

  /** Applies LSP edits to the current text (as the extension's WorkspaceEdit does) and keeps it. */
  function applyEdits(
    current: string,
    list: {
      range: { start: { line: number; character: number }; end: { line: number; character: number } };
      newText: string;
    }[],
  ): string {
    const index = new LineIndex(current);
    const spans = list
      .map((e) => ({
        start: index.offset(e.range.start),
        end: index.offset(e.range.end),
        newText: e.newText,
      }))
      .sort((a, b) => b.start - a.start);
    let out = current;
    for (const s of spans) out = out.slice(0, s.start) + s.newText + out.slice(s.end);
    text = out;
    return out;
  }
});
