/** Stage → promote → rollback over HTTP against the real engine: its config versions and runner hot swap. */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "mocha";
import { AUDIT_ACTIONS } from "../../src/auth/index.js";
import { freePort, type Harness, PASSWORD, startApi } from "./helpers.js";

const IMPORTS = `import { handler, inbound, mllp, outbound, router, send } from "messagefoundry";\n`;

/** Ports are picked free per test: promote really binds the inbounds. */
interface Ports {
  adt: number;
  oru: number;
  sink: number;
}

const v1 = (p: Ports) => ({
  "adt.ts": `${IMPORTS}inbound("IB_TEST_ADT", mllp({ host: "127.0.0.1", port: ${p.adt} }), { router: "test_adt_router" });
outbound("OB_TEST_ADT", mllp({ host: "127.0.0.1", port: ${p.sink} }));
router("test_adt_router", () => ["test_adt_handler"]);
handler("test_adt_handler", (msg) => send("OB_TEST_ADT", msg));
`,
});

const v2 = (p: Ports) => ({
  ...v1(p),
  "lab/oru.ts": `${IMPORTS}inbound("IB_TEST_ORU", mllp({ host: "127.0.0.1", port: ${p.oru} }), { router: "test_oru_router" });
router("test_oru_router", () => ["test_adt_handler"]);
`,
});

const BROKEN = {
  "adt.ts": `${IMPORTS}inbound("IB_TEST_ADT", mllp({ port: 2600 }), { router: "no_such_router" });\n`,
};

/** The engine boots a config that defines nothing (no connections): everything staged here is new. */
const EMPTY_BOOT = { "empty.ts": "export {};\n" };

describe("api/config", () => {
  let h: Harness;
  let developer: string;
  let deployer: string;
  let ports: Ports;
  let V1: Record<string, string>;
  let V2: Record<string, string>;
  beforeEach(async () => {
    ports = { adt: await freePort(), oru: await freePort(), sink: await freePort() };
    V1 = v1(ports);
    V2 = v2(ports);
    h = await startApi({ boot: EMPTY_BOOT });
    developer = await h.login("developer");
    deployer = await h.login("deployer");
  });
  afterEach(() => h.close());

  const stage = (files: Record<string, string>, token = deployer) =>
    h.call("POST", "/config/stage", { token, body: { files } });

  it("until a promote, the graph and the active version are the booted config's", async () => {
    // The real engine always runs a config (here one defining nothing): there is no "nothing running" state.
    const res = await h.call("GET", "/graph", { token: deployer });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.nodes, []);
    const active = (await h.call("GET", "/config/active", { token: deployer })).body.active;
    assert.equal(active.promotedBy, "test-setup");
    assert.equal(active.rolledBackFrom, null);
    const history = await h.call("GET", "/config/history", { token: deployer });
    assert.deepEqual(
      history.body.items.map((v: { versionId: string }) => v.versionId),
      [active.versionId],
    );
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
    const audit = (await h.auth.listAudit({ limit: 1000, action: AUDIT_ACTIONS.configStaged })).at(-1);
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
    await h.call("POST", "/auth/reauth", {
      token: deployer,
      body: { password: PASSWORD, totp: h.totp("deployer") },
    });
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
    await h.call("POST", "/auth/reauth", {
      token: deployer,
      body: { password: PASSWORD, totp: h.totp("deployer") },
    });
    const ok = await h.call("POST", "/config/promote", {
      token: deployer,
      body: { stageId: staged.body.stageId },
    });
    assert.equal(ok.status, 200);
  });

  it("a staged bundle's files wait in their staging dir; promote keeps them under their hash and deletes the stage", async () => {
    const staged = await stage(V1);
    const stagedDir = h.engine.versions.stageDir(staged.body.stageId);
    const kept = h.engine.versions.dirFor(staged.body.contentHash);
    assert.equal(readFileSync(join(stagedDir, "adt.ts"), "utf8"), V1["adt.ts"]);
    assert.equal(existsSync(kept), false, "not a version until promoted");
    const p = await h.call("POST", "/config/promote", {
      token: deployer,
      body: { stageId: staged.body.stageId },
    });
    assert.equal(p.status, 200);
    assert.equal(readFileSync(join(kept, "adt.ts"), "utf8"), V1["adt.ts"]);
    assert.equal(existsSync(stagedDir), false, "the stage's files are deleted after promote");
    // The runner now serves what was loaded from there.
    assert.deepEqual(
      h.engine.runner
        .connections()
        .map((c) => c.name)
        .sort(),
      ["IB_TEST_ADT", "OB_TEST_ADT"],
    );
  });

  it("promote → history → stage a change → promote → rollback, each audited with the actor", async () => {
    const bootVersion = (await h.call("GET", "/config/active", { token: deployer })).body.active.versionId;
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
    assert.ok(h.engine.runner.has("IB_TEST_ORU"), "the promoted inbound runs");

    const rb = await h.call("POST", "/config/rollback", {
      token: deployer,
      body: { versionId: p1.body.versionId },
    });
    assert.equal(rb.status, 200);
    assert.equal(rb.body.rolledBackFrom, p1.body.versionId);
    assert.equal(rb.body.contentHash, p1.body.contentHash);
    assert.equal((await h.call("GET", "/graph", { token: deployer })).body.nodes.length, 4);
    assert.equal(h.engine.runner.has("IB_TEST_ORU"), false, "rollback stopped the newer inbound");
    const history = await h.call("GET", "/config/history", { token: deployer });
    assert.deepEqual(
      history.body.items.map((v: { versionId: string }) => v.versionId),
      [rb.body.versionId, p2.body.versionId, p1.body.versionId, bootVersion],
    );

    const actions = (await h.auth.listAudit({ limit: 1000 }))
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

  it("a rollback to a version whose files changed on disk answers CONFIG_TAMPERED, audited, and changes nothing", async () => {
    const boot = (await h.call("GET", "/config/active", { token: deployer })).body.active;
    const s1 = await stage(V1);
    const p1 = await h.call("POST", "/config/promote", {
      token: deployer,
      body: { stageId: s1.body.stageId },
    });
    assert.equal(p1.status, 200);
    writeFileSync(
      join(h.engine.versions.dirFor(boot.contentHash), "empty.ts"),
      "export const changed = 1;\n",
    );
    const rb = await h.call("POST", "/config/rollback", {
      token: deployer,
      body: { versionId: boot.versionId },
    });
    assert.equal(rb.status, 500);
    assert.equal(rb.body.error.code, "CONFIG_TAMPERED");
    assert.match(
      rb.body.error.message,
      new RegExp(`^config version ${boot.versionId} .* was changed on disk`),
    );
    assert.equal(
      (await h.call("GET", "/config/active", { token: deployer })).body.active.versionId,
      p1.body.versionId,
    );
    assert.ok(h.engine.runner.has("IB_TEST_ADT"), "the promoted config keeps running");
    const audit = (await h.auth.listAudit({ limit: 1000, action: AUDIT_ACTIONS.configRolledBack })).at(-1);
    assert.deepEqual(JSON.parse(audit?.details ?? "{}"), { outcome: "failed", code: "CONFIG_TAMPERED" });
  });

  it("a failed promote answers PROMOTE_FAILED and leaves the running version alone", async () => {
    const s1 = await stage(V1);
    const p1 = await h.call("POST", "/config/promote", {
      token: deployer,
      body: { stageId: s1.body.stageId },
    });
    // A real failure: the new inbound's port is taken, so the swap cannot start and the runner
    // brings the previous registry back.
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(ports.oru, "127.0.0.1", r));
    const s2 = await stage(V2);
    const res = await h.call("POST", "/config/promote", {
      token: deployer,
      body: { stageId: s2.body.stageId },
    });
    assert.equal(res.status, 500);
    assert.equal(res.body.error.code, "PROMOTE_FAILED");
    assert.match(res.body.error.message, /previous config was restored/);
    await new Promise<void>((r) => squatter.close(() => r()));
    assert.equal(h.engine.runner.has("IB_TEST_ORU"), false);
    assert.ok(h.engine.runner.has("IB_TEST_ADT"), "the previous registry runs again");
    assert.equal(
      (await h.call("GET", "/config/active", { token: deployer })).body.active.versionId,
      p1.body.versionId,
    );
    const audit = (await h.auth.listAudit({ limit: 1000, action: AUDIT_ACTIONS.configPromoted })).at(-1);
    assert.deepEqual(JSON.parse(audit?.details ?? "{}"), { outcome: "failed", code: "PROMOTE_FAILED" });
  });
});

describe("api/config: staging is isolated from the engine", () => {
  const SECRET = "c3RvcmUta2V5LXN0b3JlLWtleS1zdG9yZS1rZXktMzI=";
  let h: Harness;
  let deployer: string;
  beforeEach(async () => {
    h = await startApi({
      boot: EMPTY_BOOT,
      processEnv: { MEFOR_STORE_KEY: SECRET, MEFOR_STORE_OLD_KEYS: SECRET, MEFOR_VALUE_TEST_HOST: "h" },
    });
    deployer = await h.login("deployer");
  });
  afterEach(() => h.close());

  it("staged config code cannot read the engine's store keys", async () => {
    const spy = { "spy.ts": `throw new Error("ENV=" + JSON.stringify(process.env));\n` };
    const res = await h.call("POST", "/config/stage", { token: deployer, body: { files: spy } });
    assert.equal(res.status, 200);
    const text = JSON.stringify(res.body);
    assert.match(text, /ENV=\{\}/, "the config ran, and saw an empty environment");
    assert.ok(!text.includes(SECRET));
    assert.ok(!text.includes("MEFOR_STORE_KEY"));
    assert.ok(!text.includes("MEFOR_STORE_OLD_KEYS"));
  });
});
