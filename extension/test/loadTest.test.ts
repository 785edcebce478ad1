/** The Load Test panel's plain logic, and runCli streaming a real child's stdout line by line. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../src/cli/index.js";
import { DEFAULT_FORM, formProblem, loadArgs, parseLoadEvent, runTimeoutMs } from "../src/loadtest/index.js";

describe("load test panel: the CLI run", () => {
  it("builds load's arguments from the form; the token never appears in them", () => {
    const out = { json: "/tmp/r.json", html: "/tmp/r.html" };
    assert.deepEqual(loadArgs({ ...DEFAULT_FORM, sinkPort: "2700" }, out, "http://127.0.0.1:8765"), [
      "load",
      "--profile",
      "smoke",
      "--target",
      "127.0.0.1:2600",
      "--sink-port",
      "2700",
      "--api",
      "http://127.0.0.1:8765",
      "--json",
      "/tmp/r.json",
      "--html",
      "/tmp/r.html",
    ]);
    assert.deepEqual(loadArgs({ ...DEFAULT_FORM, profile: "p.json", useEngine: false }, out).slice(0, 5), [
      "load",
      "--profile",
      "p.json",
      "--target",
      "127.0.0.1:2600",
    ]);
  });

  it("checks the form before running", () => {
    assert.equal(formProblem(DEFAULT_FORM), undefined);
    assert.match(formProblem({ ...DEFAULT_FORM, profile: "" }) ?? "", /profile/);
    assert.match(formProblem({ ...DEFAULT_FORM, target: "localhost" }) ?? "", /host:port/);
    assert.match(formProblem({ ...DEFAULT_FORM, sinkPort: "x" }) ?? "", /sink port/);
    // A failover needs a way to fail the leader over: a command, or the engine's stepdown.
    const failover = { ...DEFAULT_FORM, profile: "failover", useEngine: false };
    assert.match(formProblem(failover) ?? "", /failover command/);
    assert.equal(formProblem({ ...failover, failoverCommand: "kill -9 1234" }), undefined);
    assert.equal(formProblem({ ...failover, useEngine: true }), undefined);
  });

  it("passes the failover command for a failover profile only", () => {
    const out = { json: "/tmp/r.json", html: "/tmp/r.html" };
    const command = "systemctl kill -s KILL messagefoundry@a";
    assert.deepEqual(
      loadArgs({ ...DEFAULT_FORM, profile: "failover", failoverCommand: command }, out).slice(5, 7),
      ["--failover-command", command],
    );
    assert.ok(!loadArgs({ ...DEFAULT_FORM, failoverCommand: command }, out).includes("--failover-command"));
  });

  it("reads progress events from JSON lines and ignores anything else", () => {
    assert.deepEqual(parseLoadEvent('{"type":"drain","seconds":1,"backlog":0,"delivered":3,"expected":3}'), {
      type: "drain",
      seconds: 1,
      backlog: 0,
      delivered: 3,
      expected: 3,
    });
    assert.equal(parseLoadEvent("PASS (exit 0)"), undefined);
    assert.equal(parseLoadEvent('{"type":"other"}'), undefined);
    assert.equal(parseLoadEvent("{broken"), undefined);
  });

  it("lets a built-in run its phases plus slack, and a file profile a day", () => {
    assert.equal(runTimeoutMs("smoke"), 6_000 + 600_000);
    assert.equal(runTimeoutMs("soak"), (10 + 60 + 1800) * 1000 + 600_000);
    assert.equal(runTimeoutMs("my.json"), 86_400_000);
  });

  it("runCli hands over each stdout line as it comes, the last one even without a newline, with extra env", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mf-lines-"));
    try {
      const script = join(dir, "cli.js");
      writeFileSync(
        script,
        `process.stdout.write('{"a":1}\\n{"b"'); setTimeout(() => process.stdout.write(':2}\\nlast ' + process.env.MF_X), 50);`,
      );
      const lines: string[] = [];
      const r = await runCli({
        cli: script,
        args: [],
        cwd: dir,
        env: { MF_X: "env" },
        onLine: (l) => lines.push(l),
      });
      assert.equal(r.code, 0);
      assert.deepEqual(lines, ['{"a":1}', '{"b":2}', "last env"]);
      assert.equal(r.stdout, '{"a":1}\n{"b":2}\nlast env');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
