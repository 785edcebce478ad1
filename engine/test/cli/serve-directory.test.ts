/**
 * `serve --settings engine.toml` with [auth.ldap] and [audit] as a real child process: a directory
 * user (the test services' OpenLDAP) signs in over HTTP with the directory password, the audit
 * entries reach the forwarding file as JSON lines, and /metrics answers. Without the service
 * account's password in MEFOR_LDAP_BIND_PASSWORD, serve refuses to start and says what to set.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateStoreKey } from "../../src/store/index.js";
import {
  AD_DISABLED,
  type LdapFixture,
  SVC_PASSWORD,
  seedDirectory,
  USER_PASSWORD,
} from "../auth/ldap-fixture.js";
import { freePort, tempDir, until, writeFiles } from "../runtime/helpers.js";
import { cli } from "./harness.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

function engineToml(d: LdapFixture, apiPort: number): string {
  return `[api]
host = "127.0.0.1"
port = ${apiPort}

[auth.ldap]
url = "${d.server.url}"
bind_dn = "${d.svcDn}"
user_base = "${d.people}"
user_filter = "(&(objectClass=inetOrgPerson)(uid={username}))"
disabled_filter = "${AD_DISABLED}"
groups = "member"
group_base = "${d.groups}"
timeout_ms = 3000

[auth.ldap.roles]
"${d.group("mf-operators")}" = "operator"

[audit]
forward = "file:audit.jsonl"
`;
}

describe("cli: serve with directory sign-in and audit forwarding (engine.toml)", () => {
  let t: ReturnType<typeof tempDir>;
  let d: LdapFixture;
  let child: ChildProcess | undefined;
  before(async function () {
    this.timeout(300_000); // a first run may install slapd
    d = await seedDirectory();
  });
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
    child = undefined;
    t.cleanup();
  });

  it("a directory user signs in through serve; audit lines reach the file; /metrics answers", async () => {
    const apiPort = await freePort();
    writeFiles(join(t.dir, "config"), {
      "routes.ts": `import { inbound, mllp, router } from "messagefoundry";
inbound("IB_DIR", mllp({ host: "127.0.0.1", port: ${await freePort()} }), { router: "r" });
router("r", () => []);
`,
    });
    writeFiles(t.dir, { "engine.toml": engineToml(d, apiPort) });
    const env = {
      PATH: process.env.PATH ?? "",
      MEFOR_STORE_KEY: generateStoreKey(),
      MEFOR_LDAP_BIND_PASSWORD: SVC_PASSWORD,
    };
    child = spawn(
      process.execPath,
      [
        "--conditions=source",
        "--import",
        "tsx",
        MAIN,
        "serve",
        "--config",
        join(t.dir, "config"),
        "--db",
        join(t.dir, "engine.db"),
        "--settings",
        join(t.dir, "engine.toml"),
      ],
      { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    const collect = (c: Buffer) => {
      out += c.toString();
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    await new Promise<void>((resolve, reject) => {
      child?.stdout?.on("data", () => (out.includes('"event":"ready"') ? resolve() : undefined));
      child?.once("exit", (code) => reject(new Error(`serve exited ${code}:\n${out}`)));
    });
    assert.match(out, new RegExp(`"directory":"${d.server.url.replace(/[/.]/g, "\\$&")}"`));
    assert.doesNotMatch(out, new RegExp(SVC_PASSWORD));

    const api = `http://127.0.0.1:${apiPort}`;
    const login = await fetch(`${api}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "alice", password: USER_PASSWORD }),
    });
    const body = (await login.json()) as { token: string; user: { role: string } };
    assert.equal(login.status, 200, JSON.stringify(body));
    assert.equal(body.user.role, "operator");
    const metrics = await fetch(`${api}/metrics`, { headers: { authorization: `Bearer ${body.token}` } });
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /# TYPE messagefoundry_messages_received_total counter/);

    const file = join(t.dir, "audit.jsonl");
    const actions = () =>
      existsSync(file)
        ? readFileSync(file, "utf8")
            .trimEnd()
            .split("\n")
            .map((l) => (JSON.parse(l) as { action: string }).action)
        : [];
    await until(() => actions().includes("auth.login"), 50);
    assert.ok(actions().includes("user.add"));

    const exited = new Promise<number | null>((r) => child?.once("exit", r));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  });

  it("refuses to start when the service account's password is not in the environment", async () => {
    writeFiles(join(t.dir, "config"), { "empty.ts": "export {};\n" });
    writeFiles(t.dir, { "engine.toml": engineToml(d, await freePort()) });
    const r = await cli(["serve", "--config", "config", "--db", "e.db", "--settings", "engine.toml"], t.dir, {
      MEFOR_STORE_KEY: generateStoreKey(),
    });
    assert.notEqual(r.code, 0);
    assert.match(r.err, /\[auth\.ldap\] bind_dn is set but MEFOR_LDAP_BIND_PASSWORD is not/);
  });
});
