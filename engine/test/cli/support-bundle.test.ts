/**
 * `support-bundle` against a real engine (`serve` as a child process, SQLite): messages carrying a
 * PHI marker go through it — delivered, refused by the destination (AE) and unparseable (NAKed) —
 * then the bundle is collected over the API, unpacked with the system's `tar`, and every file is
 * searched for the marker. The bundle holds the engine's recent log lines (the ring `serve` keeps),
 * its graph, versions, stats and the settings with secrets removed; it is owner-only.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "mocha";
import { generateStoreKey } from "../../src/store/index.js";
import { freePort, MllpSender, mllpSink, tempDir, until, writeFiles } from "../runtime/helpers.js";
import { cli } from "./harness.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const NODE_ARGS = ["--conditions=source", "--import", "tsx", MAIN];
const PASSWORD = "correct horse battery staple";
const MARKER = "ZZPHIMARKER";

function phiMessage(controlId: string): string {
  return [
    `MSH|^~\\&|SENDER|FAC|RECEIVER|FAC|20260101120000||ADT^A01^ADT_A01|${controlId}|P|2.5.1`,
    "EVN|A01|20260101120000",
    `PID|1||${MARKER}-MRN^^^MRN||${MARKER}^SECRET||19700101|U|||1 ${MARKER} ST`,
  ].join("\r");
}

describe("cli: support-bundle holds no PHI", function () {
  this.timeout(60_000);
  const t = tempDir("mf-bundle-");
  let child: ChildProcess | undefined;
  let apiPort: number;
  let token: string;
  let sink: Awaited<ReturnType<typeof mllpSink>>;
  /** serve's stdout + stderr. */
  let out = "";
  const env = {
    PATH: process.env.PATH ?? "",
    MEFOR_STORE_KEY: generateStoreKey(),
    MEFOR_CONFIG_KEY: randomBytes(32).toString("base64"),
  };

  before(async () => {
    sink = await mllpSink();
    // The destination refuses one message with an error text that quotes the patient.
    sink.answer = (text) => (text.includes("PHI2") ? "AE" : "AA");
    const inPort = await freePort();
    apiPort = await freePort();
    writeFiles(t.dir, {
      "config/routes.ts": `import { handler, inbound, mllp, outbound, router, send } from "messagefoundry";
inbound("IB_PHI_ADT", mllp({ host: "127.0.0.1", port: ${inPort} }), { router: "r" });
outbound("OB_PHI_SINK", mllp({ host: "127.0.0.1", port: ${sink.port} }), { retry: { attempts: 2, baseMs: 10 } });
router("r", () => "h");
handler("h", (msg) => send("OB_PHI_SINK", msg));
`,
      "engine.toml": `[store]\nbackend = "sqlite"\npath = "state/engine.db"\n\n[api]\nhost = "127.0.0.1"\nport = ${apiPort}\n`,
    });
    const settings = join(t.dir, "engine.toml");
    const add = spawnSync(
      process.execPath,
      [...NODE_ARGS, "user", "add", "olga", "--role", "operator", "--settings", settings],
      { cwd: ROOT, input: `${PASSWORD}\n`, encoding: "utf8", env },
    );
    assert.equal(add.status, 0, add.stderr);
    child = spawn(
      process.execPath,
      // At debug: those lines may name patient data (SECURITY.md), the ring keeps info and above only.
      [
        ...NODE_ARGS,
        "serve",
        "--config",
        join(t.dir, "config"),
        "--settings",
        settings,
        "--log-level",
        "debug",
      ],
      {
        cwd: ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    out = "";
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
    const login = await fetch(`http://127.0.0.1:${apiPort}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "olga", password: PASSWORD }),
    });
    assert.equal(login.status, 200);
    token = ((await login.json()) as { token: string }).token;

    const sender = await MllpSender.connect(inPort);
    assert.equal(await sender.send(phiMessage("PHI1")), "AA");
    assert.equal(await sender.send(phiMessage("PHI2")), "AA");
    // Not HL7 at all: NAKed at intake, recorded with its (sealed) parse error.
    assert.notEqual(await sender.send(`${MARKER} is not a message`), "AA");
    sender.close();
    await until(() => sink.received.length === 1);
    const stats = async () =>
      (await (
        await fetch(`http://127.0.0.1:${apiPort}/stats`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { totals: { errored: number } };
    await until(async () => (await stats()).totals.errored >= 2, 50);
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    await sink.close();
    t.cleanup();
  });

  it("collects version, graph, history, stats, log lines and redacted settings; the marker is nowhere", async () => {
    const file = join(t.dir, "bundle.tar.gz");
    const r = await cli(["support-bundle", "--to", file, "--settings", "engine.toml"], t.dir, {
      ...env,
      MEFOR_API_TOKEN: token,
    });
    assert.equal(r.code, 0, r.err);
    assert.equal(statSync(file).mode & 0o777, 0o600);

    const out = join(t.dir, "unpacked");
    mkdirSync(out);
    const untar = spawnSync("tar", ["-xzf", file, "-C", out], { encoding: "utf8" });
    assert.equal(untar.status, 0, untar.stderr);
    const dir = join(out, "support-bundle");
    const files = readdirSync(dir).sort();
    assert.deepEqual(files, [
      "config-active.json",
      "config-history.json",
      "connections.json",
      "graph.json",
      "log-info.json",
      "log.jsonl",
      "manifest.json",
      "settings.json",
      "stats.json",
      "version.json",
    ]);
    for (const f of files) {
      const text = readFileSync(join(dir, f), "utf8");
      assert.ok(!text.includes(MARKER), `${f} holds the PHI marker`);
      assert.ok(!text.includes(env.MEFOR_STORE_KEY), `${f} holds the store key`);
    }
    const read = (f: string) => JSON.parse(readFileSync(join(dir, f), "utf8"));
    assert.deepEqual(read("manifest.json").problems, []);
    assert.match(read("version.json").version, /^\d+\.\d+\.\d+/);
    assert.ok(JSON.stringify(read("graph.json")).includes("IB_PHI_ADT"));
    assert.equal(read("config-history.json").items?.length ?? read("config-history.json").length, 1);
    assert.ok(read("stats.json").totals.received >= 3);
    assert.equal(read("settings.json").store.backend, "sqlite");
    // The engine's own log lines, as serve wrote them (the ring): start-up, ready, the deliveries.
    const lines = readFileSync(join(dir, "log.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.event === "ready"));
    assert.ok(lines.some((l) => l.event === "starting"));
    assert.equal(read("log-info.json").kept, lines.length);
  });

  it("needs a token, and a valid one", async () => {
    const file = join(t.dir, "never.tar.gz");
    let r = await cli(["support-bundle", "--to", file, "--api", `http://127.0.0.1:${apiPort}`], t.dir, {});
    assert.equal(r.code, 2);
    assert.match(r.err, /MEFOR_API_TOKEN/);
    r = await cli(["support-bundle", "--to", file, "--api", `http://127.0.0.1:${apiPort}`], t.dir, {
      MEFOR_API_TOKEN: "forged-token-0000000000000000000000000000000",
    });
    assert.equal(r.code, 1);
    assert.match(r.err, /refused the token/);
  });
});
