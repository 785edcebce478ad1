import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Problem } from "messagefoundry/graph";
import type { PromoteState } from "../../webviews/src/protocol/index.js";
import { EngineClient } from "../src/engine/index.js";
import { collectBundle, runPromote, runRollback, toNodeRef } from "../src/promote/index.js";
import { startTestEngine, TEST_USER, type TestEngine } from "./support/testEngine.js";

const problem = (severity: Problem["severity"], code = "MF-TEST"): Problem => ({
  code,
  severity,
  message: `a ${severity}`,
  location: { file: "acme.ts", line: 3, column: 1, endLine: 3, endColumn: 5 },
});

describe("Stage → Promote orchestration against a real HTTP engine", () => {
  let engine: TestEngine;
  let dir: string;
  const target = { name: "staging", url: "", environment: "staging" };

  beforeEach(async () => {
    engine = await startTestEngine();
    target.url = engine.url;
    dir = mkdtempSync(join(tmpdir(), "mf-promote-"));
    writeFileSync(join(dir, "acme.ts"), 'router("acme_adt_router", () => []);\n');
    writeFileSync(join(dir, "connections.toml"), "# none\n");
  });
  afterEach(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const signedIn = async () => {
    const client = new EngineClient({ url: engine.url });
    await client.login(TEST_USER);
    return client;
  };

  it("validates, stages the bundle, shows the summary, promotes on confirm and reports the new version", async () => {
    const states: PromoteState[] = [];
    let reviewed: PromoteState | undefined;
    const final = await runPromote({
      validateLocal: async () => [problem("warning")],
      pickTarget: async () => target,
      collectBundle: () => collectBundle(dir),
      clientFor: signedIn,
      confirm: async (review) => {
        reviewed = review;
        return review.summary?.stagedVersion;
      },
      onState: (s) => states.push(s),
    });
    assert.deepEqual(
      states.map((s) => s.step),
      ["validate", "pickTarget", "stage", "review", "confirm", "promote", "done"],
    );
    assert.equal(final.step, "done");
    assert.equal(final.promotedVersion, "v2");
    assert.equal(engine.active.versionId, "v2");
    assert.deepEqual(reviewed?.summary?.added, [{ kind: "handler", name: "acme.ts" }]);
    assert.equal(reviewed?.summary?.activeVersion, "v1");
    assert.equal(reviewed?.problems[0]?.severity, "warning");
    const stageCall = engine.requests.find((r) => r.path === "/config/stage");
    assert.deepEqual(Object.keys((stageCall?.body as { files: object } | undefined)?.files ?? {}).sort(), [
      "acme.ts",
      "connections.toml",
    ]);
  });

  it("sends nothing to the engine when local validation finds an error", async () => {
    const final = await runPromote({
      validateLocal: async () => [problem("error", "MF-UNKNOWN-ROUTER")],
      pickTarget: async () => assert.fail("must not pick a target"),
      collectBundle: () => collectBundle(dir),
      clientFor: signedIn,
      confirm: async () => assert.fail("must not confirm"),
    });
    assert.equal(final.step, "failed");
    assert.equal(final.failedAt, "validate");
    assert.equal(final.problems[0]?.code, "MF-UNKNOWN-ROUTER");
    assert.equal(final.problems[0]?.file, "acme.ts");
    assert.equal(engine.requests.length, 0);
  });

  it("stops at review when the engine reports errors for its environment, without promoting", async () => {
    engine.stageProblems = [problem("error", "MF-ENV-MISSING")];
    const final = await runPromote({
      validateLocal: async () => [],
      pickTarget: async () => target,
      collectBundle: () => collectBundle(dir),
      clientFor: signedIn,
      confirm: async () => assert.fail("must not confirm a blocked stage"),
    });
    assert.equal(final.step, "review");
    assert.equal(final.problems[0]?.code, "MF-ENV-MISSING");
    assert.equal(engine.active.versionId, "v1");
    assert.ok(!engine.requests.some((r) => r.path === "/config/promote"));
  });

  it("cancels without promoting when the user declines", async () => {
    const final = await runPromote({
      validateLocal: async () => [],
      pickTarget: async () => target,
      collectBundle: () => collectBundle(dir),
      clientFor: signedIn,
      confirm: async () => undefined,
    });
    assert.equal(final.step, "cancelled");
    assert.equal(engine.active.versionId, "v1");
  });

  it("fails with the engine's message when the token is refused", async () => {
    const final = await runPromote({
      validateLocal: async () => [],
      pickTarget: async () => target,
      collectBundle: () => collectBundle(dir),
      clientFor: async () => new EngineClient({ url: engine.url, token: "revoked" }),
      confirm: async () => assert.fail("must not confirm"),
    });
    assert.equal(final.step, "failed");
    assert.equal(final.failedAt, "stage");
    assert.equal(final.error, "Sign in first.");
  });

  it("rolls back to a picked version and reports it active", async () => {
    const client = await signedIn();
    await runPromote({
      validateLocal: async () => [],
      pickTarget: async () => target,
      collectBundle: () => collectBundle(dir),
      clientFor: async () => client,
      confirm: async (r) => r.summary?.stagedVersion,
    });
    assert.equal(engine.active.versionId, "v2");
    const result = await runRollback({
      client,
      pickVersion: async (history, active) => {
        assert.equal(active?.versionId, "v2");
        return history.find((h) => h.versionId === "v1");
      },
    });
    assert.deepEqual(result, { ok: true, active: { versionId: "v1", promotedBy: "bootstrap" } });
  });
});

describe("config bundle", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "mf-bundle-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("ships modules, connections, environments, codesets and tests; never dependencies or build output", () => {
    const files: Record<string, string> = {
      "acme.ts": "a",
      "routes/_helpers.ts": "h",
      "connections.toml": "c",
      "environments/dev.toml": "d",
      "environments/notes.md": "n",
      "codesets/sex.csv": "s",
      "tests/adt/case.hl7": "t",
      "node_modules/x/index.ts": "no",
      "dist/acme.js": "no",
      "types.d.ts": "no",
      "README.md": "no",
    };
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(join(dir, rel, ".."), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
    assert.deepEqual(Object.keys(collectBundle(dir)).sort(), [
      "acme.ts",
      "codesets/sex.csv",
      "connections.toml",
      "environments/dev.toml",
      "routes/_helpers.ts",
      "tests/adt/case.hl7",
    ]);
  });
});

describe("stage summary entries", () => {
  it("reads objects and plain names", () => {
    assert.deepEqual(toNodeRef({ kind: "router", name: "acme_adt_router" }), {
      kind: "router",
      name: "acme_adt_router",
    });
    assert.deepEqual(toNodeRef("IB_ACME_ADT"), { kind: "inbound", name: "IB_ACME_ADT" });
    assert.deepEqual(toNodeRef("OB_ACME_ADT"), { kind: "outbound", name: "OB_ACME_ADT" });
    assert.deepEqual(toNodeRef("handler:acme_x"), { kind: "handler", name: "acme_x" });
    assert.deepEqual(toNodeRef("acme_adt_router"), { kind: "router", name: "acme_adt_router" });
  });
});
