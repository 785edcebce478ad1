/**
 * `messagefoundry load` against a real engine: `serve` as a child process on a temp SQLite store, an
 * ADT/ORU route to an MLLP outbound, and the sink `load` starts on that outbound's port. The smoke
 * profile runs through it; the reconciliation over the authenticated API must show zero loss, and the
 * exit code must follow the verdict. A profile with an impossible gate must fail with exit 1, and a
 * baseline far better than this run must flag regressions.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "mocha";
import type { LoadEvent, LoadResult } from "../../src/load/index.js";
import { generateStoreKey } from "../../src/store/index.js";
import { cli } from "../cli/harness.js";
import { freePort, tempDir, writeFiles } from "../runtime/helpers.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const NODE_ARGS = ["--conditions=source", "--import", "tsx", MAIN];
const PASSWORD = "correct horse battery staple";

describe("load: the smoke profile against a real engine", function () {
  this.timeout(120_000);
  const t = tempDir("mf-load-");
  let child: ChildProcess | undefined;
  let inPort: number;
  let sinkPort: number;
  let api: string;
  let token: string;
  const env = {
    PATH: process.env.PATH ?? "",
    MEFOR_STORE_KEY: generateStoreKey(),
    MEFOR_CONFIG_KEY: randomBytes(32).toString("base64"),
  };

  before(async () => {
    inPort = await freePort();
    sinkPort = await freePort();
    const apiPort = await freePort();
    api = `http://127.0.0.1:${apiPort}`;
    writeFiles(t.dir, {
      "config/routes.ts": `import { handler, inbound, mllp, outbound, router, send } from "messagefoundry";
inbound("IB_LOAD_ADT", mllp({ host: "127.0.0.1", port: ${inPort} }), { router: "load_router" });
outbound("OB_LOAD_SINK", mllp({ host: "127.0.0.1", port: ${sinkPort} }), { retry: { attempts: 100, baseMs: 50 } });
router("load_router", () => "load_handler");
handler("load_handler", (msg) => {
  msg.set("MSH-5", "LOADSINK");
  return send("OB_LOAD_SINK", msg);
});
`,
      "engine.toml": `[store]\nbackend = "sqlite"\npath = "state/engine.db"\n\n[api]\nhost = "127.0.0.1"\nport = ${apiPort}\n`,
    });
    const settings = join(t.dir, "engine.toml");
    const add = spawnSync(
      process.execPath,
      [...NODE_ARGS, "user", "add", "lena", "--role", "operator", "--settings", settings],
      { cwd: ROOT, input: `${PASSWORD}\n`, encoding: "utf8", env },
    );
    assert.equal(add.status, 0, add.stderr);
    child = spawn(
      process.execPath,
      [...NODE_ARGS, "serve", "--config", join(t.dir, "config"), "--settings", settings],
      {
        cwd: ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    await new Promise<void>((resolve, reject) => {
      child?.stdout?.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes('"event":"ready"')) resolve();
      });
      child?.stderr?.on("data", (c: Buffer) => {
        out += c.toString();
      });
      child?.once("exit", (code) => reject(new Error(`serve exited ${code}:\n${out}`)));
    });
    const login = await fetch(`${api}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "lena", password: PASSWORD }),
    });
    assert.equal(login.status, 200);
    token = ((await login.json()) as { token: string }).token;
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    t.cleanup();
  });

  const load = (args: string[], withToken = true) =>
    cli(
      ["load", "--target", `127.0.0.1:${inPort}`, "--api", api, "--sink-port", String(sinkPort), ...args],
      t.dir,
      withToken ? { MEFOR_API_TOKEN: token } : {},
    );

  it("reconciles sent == received by the engine and delivered == received by the sink, zero loss; exit code per verdict", async () => {
    const r = await load(["--profile", "smoke", "--json", "smoke.json", "--html", "smoke.html"]);
    const events = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as LoadEvent);
    assert.equal(events[0]?.type, "start");
    assert.ok(events.some((e) => e.type === "sample" && e.phase === "sustained" && e.backlog !== null));
    assert.ok(
      events.some((e) => e.type === "sample" && e.engineErrors === 0),
      "the engine's errors per second",
    );
    const done = events.at(-1);
    assert.equal(done?.type, "done");

    const result = JSON.parse(readFileSync(join(t.dir, "smoke.json"), "utf8")) as LoadResult;
    const rec = result.reconciliation;
    assert.ok(rec.sent > 100, `sent ${rec.sent}`);
    assert.equal(rec.ackedAA, rec.sent);
    assert.equal(rec.engineReceived, rec.sent, "the engine received every message sent");
    assert.equal(rec.sinkReceived, rec.expectedDeliveries, "the sink received every delivery owed");
    assert.equal(rec.engineDelivered, rec.sinkReceived, "the engine delivered what the sink received");
    assert.deepEqual(rec.missing, []);
    assert.equal(rec.lossFree, true);
    assert.equal(result.verdict.checks.find((c) => c.gate === "zeroLoss")?.pass, true);
    assert.equal(result.phases.length, 3);
    assert.ok(result.totals.e2e.count > 0 && result.totals.ack.count > 0);
    // The exit code follows the verdict, whatever this machine's speed made it.
    assert.equal(r.code, result.verdict.pass ? 0 : 1, r.err);
    if (done?.type === "done") assert.equal(done.exitCode, r.code);

    const html = readFileSync(join(t.dir, "smoke.html"), "utf8");
    assert.match(html, /<title>Load test smoke/);
    assert.match(html, /uPlot/);
    assert.doesNotMatch(html, /<script[^>]+src=/, "no external script: it opens offline");
  });

  it("fails with exit 1 on a gate no engine can meet, and names it", async () => {
    writeFileSync(
      join(t.dir, "impossible.json"),
      JSON.stringify({
        extends: "smoke",
        phases: [{ kind: "sustained", seconds: 1, loop: "open", rate: 20 }],
        slo: { ackP99Ms: 0, minSustainedRate: 10 },
      }),
    );
    const r = await load(["--profile", "impossible.json", "--json", "impossible.json.out"]);
    assert.equal(r.code, 1, r.err);
    const result = JSON.parse(readFileSync(join(t.dir, "impossible.json.out"), "utf8")) as LoadResult;
    assert.equal(result.profile.name, "impossible");
    assert.equal(result.verdict.pass, false);
    assert.deepEqual(
      result.verdict.checks.filter((c) => !c.pass).map((c) => c.gate),
      ["ackP99Ms"],
    );
    assert.equal(result.reconciliation.lossFree, true);

    // A baseline that claims ten times this run's rate: the gates pass, the comparison does not (exit 4).
    const base: LoadResult = JSON.parse(JSON.stringify(result));
    for (const p of base.phases) p.acked *= 10;
    writeFileSync(join(t.dir, "fast-baseline.json"), JSON.stringify(base));
    writeFileSync(
      join(t.dir, "gentle.json"),
      JSON.stringify({
        extends: "smoke",
        phases: [{ kind: "sustained", seconds: 1, loop: "open", rate: 20 }],
        slo: { ackP99Ms: 60_000, minSustainedRate: 10 },
      }),
    );
    const g = await load([
      "--profile",
      "gentle.json",
      "--baseline",
      "fast-baseline.json",
      "--tolerance",
      "10",
    ]);
    const last = JSON.parse(g.out.trim().split("\n").at(-1) as string) as LoadEvent;
    assert.equal(last.type, "done");
    if (last.type === "done") {
      assert.ok(last.verdict.regressions.some((x) => x.measure === "sustained msg/s"));
      assert.equal(g.code, last.verdict.checks.every((c) => c.pass) ? 4 : 1);
    }
  });

  it("refuses --api without a token, and an unknown profile, as usage errors", async () => {
    const r = await load(["--profile", "smoke"], false);
    assert.equal(r.code, 2);
    assert.match(r.err, /MEFOR_API_TOKEN/);
    const u = await load(["--profile", "no-such-profile"]);
    assert.equal(u.code, 2);
    assert.match(u.err, /no built-in named no-such-profile/);
    const f = await cli(["load", "--target", `127.0.0.1:${inPort}`, "--profile", "failover"], t.dir, {});
    assert.equal(f.code, 2);
    assert.match(f.err, /--failover-command "CMD", or --api with MEFOR_API_TOKEN set to a sensitive token/);
    const c = await load(["--profile", "smoke", "--failover-command", "true"]);
    assert.equal(c.code, 2);
    assert.match(c.err, /--failover-command: profile smoke has no failover/);
  });
});
