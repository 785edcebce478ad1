/**
 * Code sets over real JSON-RPC: problems in code set files (shared reader) and unknown names in code
 * with "did you mean", completion of names, hover with size and default, rename renaming the file.
 */
import assert from "node:assert/strict";
import type { CodeAction, CompletionItem, Hover, WorkspaceEdit } from "vscode-languageserver";
import { check, type TestClient } from "./harness.js";

const EXPECTED = {
  "codesets/both.csv": [
    '1:1-1:1 MF-CODESET code set "both" also has codesets/both.toml, which the engine reads instead of this file: delete or rename one of them',
  ],
  "codesets/dup.json": [
    '3:1-3:11 MF-CODESET code "A" appears twice (first at line 2): keep one row — each code maps to one value',
  ],
  "main.ts": [
    '4:24-4:28 MF-UNKNOWN-CODESET code set "flgs" not found (no codesets/flgs.toml|json|csv): did you mean "flags"?',
    '5:23-5:30 MF-UNKNOWN-CODESET code set "nothere" not found (no codesets/nothere.toml|json|csv): create it with MessageFoundry: New Code Set',
  ],
};

describe("language server: code sets", () => {
  let client: TestClient;
  before(async () => {
    client = await check("codesets", EXPECTED, (c) => c.open("main.ts"));
  });
  after(() => client.stop());

  const main = () => client.readDisk("main.ts");
  const value = (h: Hover | null) =>
    h && typeof h.contents === "object" && "value" in h.contents ? h.contents.value : "";

  it("hover on a code set name: its file, size and default", async () => {
    const at = (needle: string) =>
      client.request<Hover | null>("textDocument/hover", {
        textDocument: { uri: client.uri("main.ts") },
        position: client.position("main.ts", needle, 1),
      });
    assert.equal(
      value(await at('"sex"')),
      [
        "**code set** `sex`",
        "",
        "`codesets/sex.csv`",
        "",
        "2 codes",
        "",
        "Default (row `*`): `unknown`",
      ].join("\n"),
    );
    assert.equal(
      value(await at('"nothere"')),
      ["**code set** `nothere`", "", "No file codesets/nothere.toml|json|csv in this config."].join("\n"),
    );
  });

  it('completes code set names inside codeSet("…") and after codeSet(', async () => {
    const complete = async (marked: string) => {
      await client.change("main.ts", marked.replace("|", ""));
      return client.request<CompletionItem[]>("textDocument/completion", {
        textDocument: { uri: client.uri("main.ts") },
        position: client.position("main.ts", "|", 0, marked),
      });
    };
    const inside = await complete(main().replace('codeSet("flgs")', 'codeSet("fl|gs")'));
    assert.deepEqual(
      inside.map((i) => [i.label, i.labelDetails?.description]),
      [
        ["both", "codesets/both.toml · 1 code"],
        ["dup", "codesets/dup.json · 0 codes"],
        ["flags", "codesets/flags.toml · 2 codes"],
        ["sex", "codesets/sex.csv · 2 codes · default unknown"],
      ],
    );
    assert.deepEqual(inside[2]?.textEdit, {
      range: { start: { line: 3, character: 23 }, end: { line: 3, character: 27 } },
      newText: "flags",
    });
    const bare = await complete(main().replace('codeSet("flgs")', "codeSet(|)"));
    assert.equal(bare.find((i) => i.label === "flags")?.textEdit?.newText, '"flags"');
    await client.change("main.ts", main());
    await client.settle(EXPECTED);
  });

  it("quick fixes an unknown name: the near miss, or a new file", async () => {
    const diag = client.diagnostics.get(client.uri("main.ts")) ?? [];
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: client.uri("main.ts") },
      range: diag[0]?.range,
      context: { diagnostics: [diag[0]] },
    });
    assert.deepEqual(
      actions.map((a) => a.title),
      ['Change to "flags"', "Create codesets/flgs.toml"],
    );
  });

  it('rename from a codeSet("…") call renames the file and every call', async () => {
    const edit = await client.request<WorkspaceEdit>("textDocument/rename", {
      textDocument: { uri: client.uri("main.ts") },
      position: client.position("main.ts", '"sex"', 1),
      newName: "gender",
    });
    assert.deepEqual(
      (edit.documentChanges ?? []).map((c) =>
        "kind" in c
          ? `${c.kind} ${"oldUri" in c ? `${client.rel(c.oldUri)} → ${client.rel(c.newUri)}` : ""}`
          : `${client.rel(c.textDocument.uri)} ${c.edits.map((e) => `${e.range.start.line + 1}:${e.range.start.character + 1} ${"newText" in e ? e.newText : ""}`).join(", ")}`,
      ),
      ["main.ts 3:22 gender", "rename codesets/sex.csv → codesets/gender.csv"],
    );
    // The Rename Code Set command renames from the file itself (its start is the code set's declaration).
    const fromFile = await client.request<WorkspaceEdit>("textDocument/rename", {
      textDocument: { uri: client.uri("codesets/flags.toml") },
      position: { line: 0, character: 0 },
      newName: "obx_flags",
    });
    assert.deepEqual(
      (fromFile.documentChanges ?? []).map((c) =>
        "kind" in c && c.kind === "rename"
          ? `rename ${client.rel(c.oldUri)} → ${client.rel(c.newUri)}`
          : "edit",
      ),
      ["rename codesets/flags.toml → codesets/obx_flags.toml"],
    );
    await assert.rejects(
      client.request("textDocument/rename", {
        textDocument: { uri: client.uri("main.ts") },
        position: client.position("main.ts", '"sex"', 1),
        newName: "flags",
      }),
      /A code set named "flags" already exists/,
    );
  });

  it("an edit of a code set buffer re-checks it (the open buffer wins over the disk)", async () => {
    await client.open("codesets/dup.json", '{\n  "A": "1",\n  "B": "2"\n}\n');
    const { "codesets/dup.json": _fixed, ...rest } = EXPECTED;
    await client.settle(rest);
  });
});
