import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PromoteState } from "@messagefoundry/webviews/protocol";
import type { StageResult } from "messagefoundry/api";
import type { Problem } from "messagefoundry/graph";
import { EngineClient } from "../src/engine/index.js";
import { collectBundle, runPromote, runRollback, toNodeRef, toSummary } from "../src/promote/index.js";
import { configFiles, DEPLOYER, type RealEngine, startRealEngine, writeFiles } from "./support/realEngine.js";

const problem = (severity: Problem["severity"], code = "MF-TEST"): Problem => ({
  code,
  severity,
  message: `a ${severity}`,
  location: { file: "routes.ts", line: 3, column: 1, endLine: 3, endColumn: 5 },
});

describe("Stage → Promote orchestration against the real engine API", () => {
  let engine: RealEngine;
  let dir: string;
  const target = { name: "staging", url: "", environment: "staging" };

  before(async () => {
    engine = await startRealEngine();
    target.url = engine.url;
  });
  after(() => engine?.close());
  beforeEach(() => {
    // The local config: the engine's boot config plus a second outbound the handler also sends to.
    dir = mkdtempSync(join(tmpdir(), "mf-promote-"));
    writeFiles(dir, configFiles({ ...engine.ports, tag: "V2", extraOutbound: true }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const signedIn = async () => {
    const client = new EngineClient({ url: engine.url });
    await client.login(DEPLOYER);
    return client;
  };
  const active = async () => (await (await signedIn()).activeConfig())!;

  it("validates, stages the bundle, shows the engine's changes, promotes on confirm and reports the new version", async () => {
    const before = await active();
    const states: PromoteState[] = [];
    let reviewed: PromoteState | undefined;
    const promoted: string[] = [];
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
      onPromoted: (v) => promoted.push(v.versionId),
    });
    assert.deepEqual(
      states.map((s) => s.step),
      ["validate", "pickTarget", "stage", "review", "confirm", "promote", "done"],
    );
    assert.equal(final.step, "done");
    const now = await active();
    assert.notEqual(now.versionId, before.versionId);
    assert.notEqual(now.contentHash, before.contentHash);
    assert.equal(final.promotedVersion, now.versionId);
    assert.deepEqual(promoted, [now.versionId]);
    assert.equal(now.promotedBy, "deployer");
    assert.equal(reviewed?.summary?.activeVersion, before.versionId);
    assert.deepEqual(reviewed?.summary?.added, [{ kind: "outbound", name: "OB_TEST_COPY" }]);
    assert.deepEqual(reviewed?.summary?.removed, []);
    const handler = reviewed?.summary?.changed.find((c) => c.name === "test_handler");
    assert.ok(handler, "the handler that now also sends to OB_TEST_COPY is listed as changed");
    assert.equal(handler.kind, "handler");
    assert.equal(reviewed?.problems[0]?.severity, "warning");
  });

  it("sends nothing to the engine when local validation finds an error", async () => {
    const before = await active();
    const final = await runPromote({
      validateLocal: async () => [problem("error", "MF-UNKNOWN-ROUTER")],
      pickTarget: async () => assert.fail("must not pick a target"),
      collectBundle: () => collectBundle(dir),
      clientFor: async () => assert.fail("must not reach the engine"),
      confirm: async () => assert.fail("must not confirm"),
    });
    assert.equal(final.step, "failed");
    assert.equal(final.failedAt, "validate");
    assert.equal(final.problems[0]?.code, "MF-UNKNOWN-ROUTER");
    assert.equal(final.problems[0]?.file, "routes.ts");
    assert.deepEqual(await active(), before);
  });

  it("stops at review when the engine reports errors for its environment, without promoting", async () => {
    const before = await active();
    // The engine resolves env() against the bundle's environments/<its env>.toml: without it, an error.
    rmSync(join(dir, "environments"), { recursive: true });
    const final = await runPromote({
      validateLocal: async () => [],
      pickTarget: async () => target,
      collectBundle: () => collectBundle(dir),
      clientFor: signedIn,
      confirm: async () => assert.fail("must not confirm a blocked stage"),
    });
    assert.equal(final.step, "review");
    assert.ok(
      final.problems.some((p) => p.severity === "error" && p.code === "MF-ENV-UNKNOWN"),
      JSON.stringify(final.problems),
    );
    assert.deepEqual(await active(), before);
  });

  it("cancels without promoting when the user declines", async () => {
    const before = await active();
    const final = await runPromote({
      validateLocal: async () => [],
      pickTarget: async () => target,
      collectBundle: () => collectBundle(dir),
      clientFor: signedIn,
      confirm: async () => undefined,
    });
    assert.equal(final.step, "cancelled");
    assert.deepEqual(await active(), before);
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
    assert.match(final.error ?? "", /session|token/i);
  });

  it("re-authenticates when staging answers REAUTH_REQUIRED, then carries on", async () => {
    const client = await signedIn();
    engine.advance(6 * 60_000);
    let asked = 0;
    client.reauthPrompt = async () => {
      asked++;
      return { password: DEPLOYER.password };
    };
    const final = await runPromote({
      validateLocal: async () => [],
      pickTarget: async () => target,
      collectBundle: () => collectBundle(dir),
      clientFor: async () => client,
      confirm: async () => undefined,
    });
    assert.equal(final.step, "cancelled", `got ${final.step}: ${final.error ?? ""}`);
    assert.ok(final.summary?.stagedVersion, "the bundle was staged after re-authenticating");
    assert.equal(asked, 1);
  });

  it("rolls back to a picked version and reports it active", async () => {
    const client = await signedIn();
    const boot = (await client.history()).at(-1)!;
    // Make sure something other than the boot version runs (this test may run on its own).
    if ((await client.activeConfig())?.versionId === boot.versionId) {
      const staged = await client.stage(collectBundle(dir));
      await client.promote(staged.stageId);
    }
    const result = await runRollback({
      client,
      pickVersion: async (history, current) => {
        assert.notEqual(current?.versionId, boot.versionId);
        assert.equal(history[0]?.versionId, current?.versionId, "history is newest first");
        return history.find((h) => h.versionId === boot.versionId);
      },
    });
    assert.ok(result.ok, result.ok ? "" : result.message);
    const now = await client.activeConfig();
    assert.equal(now?.contentHash, boot.contentHash);
    assert.equal(result.active.versionId, now?.versionId);
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

describe("stage changes → the review's summary", () => {
  const staged = (changes: Partial<StageResult["changes"]>): StageResult => ({
    stageId: "s1",
    contentHash: "h",
    problems: [],
    hasErrors: false,
    expiresAt: "2026-01-01T00:00:00.000Z",
    removedQueued: [],
    changes: { added: [], removed: [], changed: [], edgesAdded: [], edgesRemoved: [], ...changes },
  });

  it("keeps the engine's node kinds and changed fields", () => {
    assert.deepEqual(toNodeRef({ kind: "router", name: "acme_adt_router" }), {
      kind: "router",
      name: "acme_adt_router",
    });
    const summary = toSummary(
      staged({
        added: [{ kind: "inbound", name: "IB_NEW" }],
        removed: [{ kind: "outbound", name: "OB_OLD" }],
        changed: [{ kind: "inbound", name: "IB_ACME_ADT", fields: ["settings.port"] }],
      }),
      { versionId: "v1", contentHash: "h0", promotedBy: "x", promotedAt: "2026-01-01T00:00:00.000Z" },
    );
    assert.deepEqual(summary, {
      activeVersion: "v1",
      stagedVersion: "s1",
      added: [{ kind: "inbound", name: "IB_NEW" }],
      removed: [{ kind: "outbound", name: "OB_OLD" }],
      changed: [{ kind: "inbound", name: "IB_ACME_ADT", changes: ["settings.port"] }],
    });
  });

  it("shows rewiring on the node it starts from, unless that node is itself added or removed", () => {
    const summary = toSummary(
      staged({
        added: [{ kind: "router", name: "new_router" }],
        edgesAdded: [
          { kind: "handler-outbound", from: "h1", to: "OB_X" },
          { kind: "router-handler", from: "new_router", to: "h1" },
        ],
        edgesRemoved: [{ kind: "inbound-router", from: "IB_A", to: "old_router" }],
      }),
      undefined,
    );
    assert.equal(summary.activeVersion, undefined);
    assert.deepEqual(summary.changed, [
      { kind: "handler", name: "h1", changes: ["adds handler-outbound → OB_X"] },
      { kind: "inbound", name: "IB_A", changes: ["removes inbound-router → old_router"] },
    ]);
  });
});
