/** Stage → promote → rollback over HTTP: real loader for staging, the in-memory runner stand-in for the swap. */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "mocha";
import { AUDIT_ACTIONS } from "../../src/auth/index.js";
import { type Harness, PASSWORD, startApi } from "./helpers.js";

const IMPORTS = `import { handler, inbound, mllp, outbound, router, send } from "messagefoundry";\n`;

const V1 = {
  "adt.ts": `${IMPORTS}inbound("IB_TEST_ADT", mllp({ port: 2600 }), { router: "test_adt_router" });
outbound("OB_TEST_ADT", mllp({ host: "127.0.0.1", port: 2700 }));
router("test_adt_router", () => ["test_adt_handler"]);
handler("test_adt_handler", (msg) => send("OB_TEST_ADT", msg));
`,
};

const V2 = {
  ...V1,
  "lab/oru.ts": `${IMPORTS}inbound("IB_TEST_ORU", mllp({ port: 2601 }), { router: "test_oru_router" });
router("test_oru_router", () => ["test_adt_handler"]);
`,
};

const BROKEN = {
  "adt.ts": `${IMPORTS}inbound("IB_TEST_ADT", mllp({ port: 2600 }), { router: "no_such_router" });\n`,
};

describe("api/config", () => {
  let h: Harness;
  let developer: string;
  let deployer: string;
  beforeEach(async () => {
    h = await startApi();
    developer = await h.login("developer");
    deployer = await h.login("deployer");
  });
  afterEach(() => h.close());

  const stage = (files: Record<string, string>, token = deployer) =>
    h.call("POST", "/config/stage", { token, body: { files } });

  it("has no graph until a config is promoted", async () => {
    const res = await h.call("GET", "/graph", { token: deployer });
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, "UNAVAILABLE");
    assert.deepEqual((await h.call("GET", "/config/active", { token: deployer })).body, { active: null });
  });

  it("stages a bundle: problems and the changes against the running graph, audited", async () => {
    const res = await stage(V1);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.hasErrors, false);
    assert.match(res.body.contentHash, /^[0-9a-f]{64}$/);
    assert.deepEqual(
      res.body.changes.added.map((n: { kind: string; name: string }) => `${n.kind}:${n.name}`).sort(),
      ["handler:test_adt_handler", "inbound:IB_TEST_ADT", "outbound:OB_TEST_ADT", "router:test_adt_router"],
    );
    const audit = h.auth.listAudit({ limit: 1000, action: AUDIT_ACTIONS.configStaged }).at(-1);
    assert.equal(audit?.actor, "deployer");
    assert.equal(audit?.target, `stage:${res.body.stageId}`);
  });

  it("reports positioned problems and refuses to promote a broken bundle (422)", async () => {
    const res = await stage(BROKEN);
    assert.equal(res.body.hasErrors, true);
    const p = res.body.problems.find((x: { severity: string }) => x.severity === "error");
    assert.equal(p.location.file, "adt.ts");
    assert.ok(p.location.line >= 1);
    const promote = await h.call("POST", "/config/promote", {
      token: deployer,
      body: { stageId: res.body.stageId },
    });
    assert.equal(promote.status, 422);
    assert.equal(promote.body.error.code, "CONFIG_INVALID");
  });

  it("refuses bundle paths that leave the config dir", async () => {
    for (const path of ["../escape.ts", "/etc/x.ts", "a/../../b.ts", "C:/x.ts", "a\\b.ts", "a//b.ts"]) {
      const res = await stage({ [path]: "export {};" });
      assert.equal(res.status, 400, path);
      assert.equal(res.body.error.code, "INVALID_BUNDLE", path);
    }
  });

  it("staging runs config code, so it needs config:stage (not developers) and a recent re-authentication", async () => {
    const denied = await stage(V1, developer);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, "FORBIDDEN");
    h.clock.advance(h.auth.policy.recentAuthMs + 1);
    const stale = await stage(V1);
    assert.equal(stale.status, 403);
    assert.equal(stale.body.error.code, "REAUTH_REQUIRED");
    await h.call("POST", "/auth/reauth", { token: deployer, body: { password: PASSWORD } });
    const staged = await stage(V1);
    assert.equal(staged.status, 200);
    const promoteDenied = await h.call("POST", "/config/promote", {
      token: developer,
      body: { stageId: staged.body.stageId },
    });
    assert.equal(promoteDenied.status, 403);
    h.clock.advance(h.auth.policy.recentAuthMs + 1);
    const promoteStale = await h.call("POST", "/config/promote", {
      token: deployer,
      body: { stageId: staged.body.stageId },
    });
    assert.equal(promoteStale.body.error.code, "REAUTH_REQUIRED");
    await h.call("POST", "/auth/reauth", { token: deployer, body: { password: PASSWORD } });
    const ok = await h.call("POST", "/config/promote", {
      token: deployer,
      body: { stageId: staged.body.stageId },
    });
    assert.equal(ok.status, 200);
  });

  it("the staged bundle's files stay on disk until promoted, for the runner to load", async () => {
    const staged = await stage(V1);
    const kept = h.config.stagedDir(staged.body.stageId);
    assert.equal(readFileSync(join(kept, "adt.ts"), "utf8"), V1["adt.ts"]);
    await h.call("POST", "/config/promote", { token: deployer, body: { stageId: staged.body.stageId } });
    assert.equal(existsSync(kept), false);
  });

  it("promote → history → stage a change → promote → rollback, each audited with the actor", async () => {
    const s1 = await stage(V1);
    const p1 = await h.call("POST", "/config/promote", {
      token: deployer,
      body: { stageId: s1.body.stageId },
    });
    assert.equal(p1.status, 200);
    assert.equal(p1.body.promotedBy, "deployer");
    assert.equal(p1.body.contentHash, s1.body.contentHash);
    const active = await h.call("GET", "/config/active", { token: deployer });
    assert.equal(active.body.active.versionId, p1.body.versionId);
    assert.equal((await h.call("GET", "/graph", { token: deployer })).body.nodes.length, 4);
    // A promoted stage is used up.
    const again = await h.call("POST", "/config/promote", {
      token: deployer,
      body: { stageId: s1.body.stageId },
    });
    assert.equal(again.body.error.code, "STAGE_NOT_FOUND");

    const s2 = await stage(V2);
    assert.deepEqual(s2.body.changes.added.map((n: { name: string }) => n.name).sort(), [
      "IB_TEST_ORU",
      "test_oru_router",
    ]);
    assert.deepEqual(s2.body.changes.removed, []);
    const p2 = await h.call("POST", "/config/promote", {
      token: deployer,
      body: { stageId: s2.body.stageId },
    });
    assert.equal((await h.call("GET", "/graph", { token: deployer })).body.nodes.length, 6);

    const rb = await h.call("POST", "/config/rollback", {
      token: deployer,
      body: { versionId: p1.body.versionId },
    });
    assert.equal(rb.status, 200);
    assert.equal(rb.body.rolledBackFrom, p1.body.versionId);
    assert.equal(rb.body.contentHash, p1.body.contentHash);
    assert.equal((await h.call("GET", "/graph", { token: deployer })).body.nodes.length, 4);
    const history = await h.call("GET", "/config/history", { token: deployer });
    assert.deepEqual(
      history.body.items.map((v: { versionId: string }) => v.versionId),
      [rb.body.versionId, p2.body.versionId, p1.body.versionId],
    );

    const actions = h.auth
      .listAudit({ limit: 1000 })
      .filter((e) => e.action.startsWith("config.") && !(e.details ?? "").includes('"failed"'))
      .map((e) => `${e.actor} ${e.action}`);
    assert.deepEqual(actions.sort(), [
      "deployer config.promote",
      "deployer config.promote",
      "deployer config.rollback",
      "deployer config.stage",
      "deployer config.stage",
    ]);
    const unknown = await h.call("POST", "/config/rollback", { token: deployer, body: { versionId: "v99" } });
    assert.equal(unknown.body.error.code, "VERSION_NOT_FOUND");
  });

  it("a failed promote answers PROMOTE_FAILED and leaves the running version alone", async () => {
    const s1 = await stage(V1);
    const p1 = await h.call("POST", "/config/promote", {
      token: deployer,
      body: { stageId: s1.body.stageId },
    });
    const s2 = await stage(V2);
    h.config.failNextPromote = true;
    const res = await h.call("POST", "/config/promote", {
      token: deployer,
      body: { stageId: s2.body.stageId },
    });
    assert.equal(res.status, 500);
    assert.equal(res.body.error.code, "PROMOTE_FAILED");
    assert.match(res.body.error.message, /previous graph was restored/);
    assert.equal(
      (await h.call("GET", "/config/active", { token: deployer })).body.active.versionId,
      p1.body.versionId,
    );
    const audit = h.auth.listAudit({ limit: 1000, action: AUDIT_ACTIONS.configPromoted }).at(-1);
    assert.deepEqual(JSON.parse(audit?.details ?? "{}"), { outcome: "failed", code: "PROMOTE_FAILED" });
  });
});

describe("api/config: staging is isolated from the engine", () => {
  const SECRET = "c3RvcmUta2V5LXN0b3JlLWtleS1zdG9yZS1rZXktMzI=";
  let h: Harness;
  let deployer: string;
  beforeEach(async () => {
    h = await startApi({
      stage: {
        processEnv: { MEFOR_STORE_KEY: SECRET, MEFOR_STORE_OLD_KEYS: SECRET, MEFOR_VALUE_TEST_HOST: "h" },
      },
    });
    deployer = await h.login("deployer");
  });
  afterEach(() => h.close());

  it("an endless loop in staged config times out (MF-LOAD-TIMEOUT) while the API keeps answering", async () => {
    const spin = { "spin.ts": `${IMPORTS}router("test_router", () => []);\nwhile (true) {}\n` };
    await h.close();
    h = await startApi({ stage: { loadTimeoutMs: 2000 } });
    deployer = await h.login("deployer");
    const pending = h.call("POST", "/config/stage", { token: deployer, body: { files: spin } });
    const health = await h.call("GET", "/health");
    assert.equal(health.status, 200);
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(res.body.hasErrors, true);
    assert.deepEqual(
      res.body.problems.map((p: { code: string; message: string }) => [p.code, p.message]),
      [["MF-LOAD-TIMEOUT", "config did not finish loading within 2 s"]],
    );
    const promote = await h.call("POST", "/config/promote", {
      token: deployer,
      body: { stageId: res.body.stageId },
    });
    assert.equal(promote.body.error.code, "CONFIG_INVALID");
  });

  it("staged config code cannot read the engine's store keys", async () => {
    const spy = { "spy.ts": `throw new Error("ENV=" + JSON.stringify(process.env));\n` };
    const res = await h.call("POST", "/config/stage", { token: deployer, body: { files: spy } });
    assert.equal(res.status, 200);
    const text = JSON.stringify(res.body);
    assert.match(text, /MEFOR_VALUE_TEST_HOST/, "the config did report its environment");
    assert.ok(!text.includes(SECRET));
    assert.ok(!text.includes("MEFOR_STORE_KEY"));
    assert.ok(!text.includes("MEFOR_STORE_OLD_KEYS"));
  });
});
