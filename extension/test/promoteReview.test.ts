/**
 * The Stage → Promote review against the real engine: changed settings show before → after, the files
 * that differ from the active version come with both texts (for the diff editor), removed connections
 * with queued rows are listed and asked about — in the review, or when the engine refuses a promote or
 * rollback that did not say (REMOVED_QUEUED) — and every view labels a rollback's version the same way.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PromoteState, RemovedWithQueue } from "@messagefoundry/webviews/protocol";
import { EngineClient } from "../src/engine/index.js";
import {
  collectBundle,
  completeChoices,
  fileChanges,
  type PromoteDeps,
  runPromote,
  runRollback,
  versionLabel,
} from "../src/promote/index.js";
import {
  configFiles,
  DEPLOYER,
  OPERATOR,
  type RealEngine,
  startRealEngine,
  writeFiles,
} from "./support/realEngine.js";

describe("promote review: values, file diffs, removed connections with queued rows", () => {
  let engine: RealEngine;
  let dir: string;
  const target = { name: "staging", url: "", environment: "test" };

  before(async () => {
    engine = await startRealEngine();
    target.url = engine.url;
  });
  after(() => engine?.close());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "mf-review-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const signedIn = async (user = DEPLOYER) => {
    const client = new EngineClient({ url: engine.url });
    await client.login(user);
    return client;
  };

  function deps(overrides: Partial<PromoteDeps>): PromoteDeps {
    return {
      validateLocal: async () => [],
      pickTarget: async () => target,
      collectBundle: () => collectBundle(dir),
      clientFor: () => signedIn(),
      confirm: async (review) => review.summary?.stagedVersion,
      ...overrides,
    };
  }

  it("shows changed settings before → after and the changed files with both texts", async () => {
    const files = configFiles({ ...engine.ports, tag: "V2" });
    files["routes.ts"] = files["routes.ts"].replace(
      'outbound("OB_TEST_SINK", mllp({ host: "127.0.0.1", port: env("sink_port", "int") }));',
      'outbound("OB_TEST_SINK", mllp({ host: "127.0.0.1", port: env("sink_port", "int"), ackTimeoutMs: 5000 }));',
    );
    writeFiles(dir, files);
    let reviewed: PromoteState | undefined;
    let texts: { active: Record<string, string>; staged: Record<string, string> } | undefined;
    const final = await runPromote(
      deps({
        confirm: async (review) => {
          reviewed = review;
          return review.summary?.stagedVersion;
        },
        onFiles: (active, staged) => {
          texts = { active, staged };
        },
      }),
    );
    assert.equal(final.step, "done", final.error);
    const sink = reviewed?.summary?.changed.find((c) => c.name === "OB_TEST_SINK");
    assert.deepEqual(sink?.changes, ["settings.ackTimeoutMs: (not set) → 5000"]);
    assert.deepEqual(reviewed?.summary?.files, [{ path: "routes.ts", status: "modified" }]);
    assert.match(texts?.active["routes.ts"] ?? "", /"V1"/);
    assert.match(texts?.staged["routes.ts"] ?? "", /"V2"/);
  });

  it("lists a removed connection's queued rows in the review, and asks again when the engine refuses", async () => {
    // OB_TEST_SINK cannot deliver (nothing listens): the rows wait on its lane.
    await engine.receive("REVIEW0001");
    const operator = await signedIn(OPERATOR);
    const deadline = Date.now() + 20_000;
    const queued = async () =>
      (await operator.connections()).find((c) => c.name === "OB_TEST_SINK")?.queueDepth ?? 0;
    while ((await queued()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await queued(), 1);

    // A config whose handler sends to a new outbound instead: OB_TEST_SINK is removed.
    const files = configFiles({ ...engine.ports, tag: "V3" });
    files["routes.ts"] = files["routes.ts"]
      .replace('outbound("OB_TEST_SINK"', 'outbound("OB_TEST_NEXT"')
      .replace('send("OB_TEST_SINK", msg)', 'send("OB_TEST_NEXT", msg)');
    writeFiles(dir, files);
    let reviewed: PromoteState | undefined;
    const asked: RemovedWithQueue[][] = [];
    const final = await runPromote(
      deps({
        // The review lists them; this user confirms without choosing (as a late row would arrive)…
        confirm: async (review) => {
          reviewed = review;
          return review.summary?.stagedVersion;
        },
        // …so the engine refuses, names them, and the flow asks and sends again.
        askRemovedQueued: async (items) => {
          asked.push(items);
          return { OB_TEST_SINK: "keep" };
        },
      }),
    );
    assert.equal(final.step, "done", final.error);
    assert.deepEqual(reviewed?.summary?.removedQueued, [{ connection: "OB_TEST_SINK", queued: 1 }]);
    assert.deepEqual(asked, [[{ connection: "OB_TEST_SINK", queued: 1 }]]);
    const listed = (await operator.connections()).find((c) => c.name === "OB_TEST_SINK");
    assert.equal(listed?.state, "removed", "kept rows stay visible");
    assert.equal(listed?.queueDepth, 1);
  });

  it("a rollback that removes it again asks too; dead-letter makes the rows dead letters", async () => {
    const client = await signedIn();
    const history = await client.history();
    const [latest, withSink] = history;
    assert.ok(latest && withSink);
    const back = await runRollback({
      client,
      pickVersion: async () => withSink,
      askRemovedQueued: async () =>
        assert.fail("rolling back to a version with OB_TEST_SINK removes nothing queued"),
    });
    assert.equal(back.ok, true, back.ok ? "" : back.message);
    const operator = await signedIn(OPERATOR);
    await operator.stopConnection("OB_TEST_SINK");
    let asked: RemovedWithQueue[] | undefined;
    const again = await runRollback({
      client,
      pickVersion: async () => latest,
      askRemovedQueued: async (items) => {
        asked = items;
        return { OB_TEST_SINK: "dead-letter" };
      },
    });
    assert.equal(again.ok, true, again.ok ? "" : again.message);
    assert.deepEqual(asked, [{ connection: "OB_TEST_SINK", queued: 1 }]);
    const letters = await operator.deadLetters({ connection: "OB_TEST_SINK" });
    assert.equal(letters.items.length, 1);
    // The version every view shows: the new one, saying which version it runs.
    if (again.ok)
      assert.equal(versionLabel(again.active), `${again.active.versionId} (rollback to ${latest.versionId})`);
  });

  it("file changes, labels and choices (pure)", () => {
    assert.deepEqual(
      fileChanges({ "a.ts": "1", "b.ts": "2", "c.ts": "3" }, { "a.ts": "1", "b.ts": "2!", "d.ts": "4" }),
      [
        { path: "b.ts", status: "modified" },
        { path: "c.ts", status: "removed" },
        { path: "d.ts", status: "added" },
      ],
    );
    assert.equal(versionLabel({ versionId: "v3", rolledBackFrom: null }), "v3");
    assert.equal(versionLabel(undefined), "no config");
    const items = [
      { connection: "OB_A", queued: 2 },
      { connection: "OB_B", queued: 1 },
    ];
    assert.equal(completeChoices(items, { OB_A: "drain" }), undefined);
    assert.deepEqual(completeChoices(items, { OB_A: "drain", OB_B: "keep" }), {
      OB_A: "drain",
      OB_B: "keep",
    });
  });
});
