// Runs the TextMate grammar assertions (test/grammar/*.hl7, vscode-tmgrammar-test syntax) from mocha so
// `npm test` covers the grammar. Spawns the tool's bin directly: no npm/npx in the loop.
// Written without import statements (node built-ins via process.getBuiltinModule, mocha globals) so it
// type-checks and runs whether the root package is CommonJS or ESM. Mocha runs from the repo root.

describe("hl7 and TOML TextMate grammars and snippets", () => {
  const { spawnSync } = process.getBuiltinModule("node:child_process");
  const { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } =
    process.getBuiltinModule("node:fs");
  const { tmpdir } = process.getBuiltinModule("node:os");
  const { join } = process.getBuiltinModule("node:path");
  const assert: typeof import("node:assert/strict") = process.getBuiltinModule("node:assert/strict");

  const root = process.cwd();
  const bin = join(root, "node_modules/.bin/vscode-tmgrammar-test");
  const config = join(root, "test/grammar/language.json");
  const scratch = mkdtempSync(join(tmpdir(), "mf-grammar-"));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  function runGrammarTests(glob: string): { status: number | null; output: string } {
    const r = spawnSync(bin, ["--config", config, "--compact", glob], { cwd: root, encoding: "utf8" });
    return { status: r.status, output: `${r.stdout}${r.stderr}${r.error ?? ""}` };
  }

  it("runs from the repository root with the grammar in place", () => {
    assert.ok(
      existsSync(join(root, "syntaxes/hl7.tmLanguage.json")),
      `run mocha from the repo root (cwd: ${root})`,
    );
    const grammar = JSON.parse(readFileSync(join(root, "syntaxes/hl7.tmLanguage.json"), "utf8"));
    assert.equal(grammar.scopeName, "source.hl7");
  });

  it("passes every assertion in test/grammar/*.hl7", () => {
    const { status, output } = runGrammarTests("test/grammar/*.hl7");
    assert.equal(status, 0, output);
    assert.match(output, /segments\.hl7/);
    assert.match(output, /escapes\.hl7/);
  });

  it("ships a TOML grammar, contributed for *.toml (connections.toml, environments/*.toml)", () => {
    const grammar = JSON.parse(readFileSync(join(root, "syntaxes/toml.tmLanguage.json"), "utf8"));
    assert.equal(grammar.scopeName, "source.toml");
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      contributes: {
        languages: { id: string; extensions?: string[]; configuration?: string }[];
        grammars: { language: string; scopeName: string; path: string }[];
      };
    };
    const toml = manifest.contributes.languages.find((l) => l.id === "toml");
    assert.deepEqual(toml?.extensions, [".toml"]);
    assert.ok(toml?.configuration && existsSync(join(root, toml.configuration)), "language configuration");
    const g = manifest.contributes.grammars.find((x) => x.language === "toml");
    assert.equal(g?.scopeName, "source.toml");
    assert.ok(g && existsSync(join(root, g.path)));
  });

  it("passes every assertion in test/grammar/*.toml", () => {
    const { status, output } = runGrammarTests("test/grammar/*.toml");
    assert.equal(status, 0, output);
    assert.match(output, /connections\.toml/);
    assert.match(output, /values\.toml/);
  });

  it("fails on a wrong TOML assertion (a value is not a key)", () => {
    const file = join(scratch, "wrong.toml");
    writeFileSync(
      file,
      '# SYNTAX TEST "source.toml" "wrong"\nport = 2600\n#      ^^^^ support.type.property-name.toml\n',
    );
    const { status, output } = runGrammarTests(file);
    assert.notEqual(status, 0);
    assert.match(output, /support\.type\.property-name\.toml/);
  });

  it("fails on a wrong assertion (the runner really checks)", () => {
    const file = join(scratch, "wrong.hl7");
    writeFileSync(
      file,
      '// SYNTAX TEST "source.hl7" "wrong"\nPID|1\n// <--- punctuation.separator.field.hl7\n',
    );
    const { status, output } = runGrammarTests(file);
    assert.notEqual(status, 0);
    assert.match(output, /punctuation\.separator\.field\.hl7/);
  });

  it("ships TypeScript snippets for inbound, outbound, router and handler", () => {
    const snippets = JSON.parse(
      readFileSync(join(root, "snippets/messagefoundry.code-snippets"), "utf8"),
    ) as Record<string, { scope: string; prefix: string[]; body: string[] }>;
    const prefixes = Object.values(snippets).flatMap((s) => s.prefix);
    for (const p of ["inbound", "outbound", "router", "handler", "mf-route"])
      assert.ok(prefixes.includes(p), p);
    for (const s of Object.values(snippets)) {
      assert.equal(s.scope, "typescript");
      assert.ok(s.body.length > 0);
    }
  });
});
