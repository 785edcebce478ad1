import assert from "node:assert/strict";
import type { DocumentSymbol, FoldingRange, Hover } from "vscode-languageserver";
import { check, type TestClient } from "./harness.js";

describe("language server: .x12/.edi files", () => {
  let client: TestClient;
  before(async () => {
    client = await check(
      "x12",
      {
        "damaged.edi": [
          "15:1-15:11 X12_SE_COUNT SE-01 says 12; the set has 13 segments (ST and SE included)",
        ],
      },
      async (c) => {
        await c.open("eligibility.x12");
        await c.open("damaged.edi");
      },
    );
  });
  after(() => client.stop());

  const hoverAt = (line: number, character: number) =>
    client.request<Hover | null>("textDocument/hover", {
      textDocument: { uri: client.uri("eligibility.x12") },
      position: { line, character },
    });
  const value = (h: Hover | null) =>
    h && typeof h.contents === "object" && "value" in h.contents ? h.contents.value : "";

  it("hovers an element by its path, with the segment and the transaction set, never its value", async () => {
    // NM1*IL*1*EXAMPLE*ECHO****MI*TEST041136 — the member id is NM1[3]-09.
    const h = await hoverAt(10, 30);
    assert.equal(
      value(h),
      "**NM1[3]-09** — element 09 of NM1 (Individual or Organizational Name)\n\nX12 00501 · 270 Eligibility, Coverage or Benefit Inquiry",
    );
    assert.deepEqual(h?.range, { start: { line: 10, character: 28 }, end: { line: 10, character: 38 } });
  });

  it("hovers a segment id and an ISA header field", async () => {
    assert.equal(
      value(await hoverAt(4, 0)),
      "**HL** — Hierarchical Level\n\nX12 00501 · 270 Eligibility, Coverage or Benefit Inquiry",
    );
    assert.match(
      value(await hoverAt(0, 92)),
      /^\*\*ISA-13\*\* — Interchange Control Number\n\nX12 00501 · interchange envelope$/,
    );
  });

  it("lists the interchange with its transaction sets, and folds both", async () => {
    const syms = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", {
      textDocument: { uri: client.uri("eligibility.x12") },
    });
    assert.deepEqual(
      syms.map((s) => [s.name, s.detail, s.children?.map((c) => [c.name, c.detail])]),
      [["Interchange 245570001", "X12 00501", [["270 0001", "Eligibility, Coverage or Benefit Inquiry"]]]],
    );
    const folds = await client.request<FoldingRange[]>("textDocument/foldingRange", {
      textDocument: { uri: client.uri("eligibility.x12") },
    });
    assert.deepEqual(folds, [
      { startLine: 0, endLine: 16 },
      { startLine: 2, endLine: 14 },
    ]);
  });
});
