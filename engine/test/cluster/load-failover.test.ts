/**
 * `messagefoundry load --profile failover` against two clustered `serve` processes on the machine's
 * PostgreSQL behind the VIP (heartbeat 1 s, fence 2 s, lease 3 s): `--failover-command` kills the
 * leader with kill -9 during the sustained phase; the load engine's senders reconnect through the VIP
 * and resend what was not ACKed. Every ACKed message must reach the sink the load engine starts on the
 * route's destination port, the outage is measured, and the verdict passes (exit 0).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LoadResult } from "../../src/load/index.js";
import { cli } from "../cli/harness.js";
import { freePort, writeFiles } from "../runtime/helpers.js";
import { useClusterFixture } from "./fixture.js";

describe("load: the failover profile against a real cluster (multi-process)", function () {
  this.timeout(120_000);
  const fx = useClusterFixture();

  it("kill -9 of the leader mid-run: senders resend, every ACKed message is delivered, the outage is measured, the verdict passes", async () => {
    // The route's destination is the sink `load` starts (--sink-port), not the fixture's.
    const sinkPort = await freePort();
    writeFiles(fx().configDir, {
      "environments/test.toml": `in_host = "127.0.0.1"\nin_port = ${fx().inPort}\nsink_port = ${sinkPort}\nsink2_port = ${fx().sink2.port}\n`,
    });
    const a = await fx().start("a", "127.0.0.2");
    await a.proc.waitFor((l) => l.event === "cluster-leading");
    const b = await fx().start("b", "127.0.0.3");
    await b.proc.waitFor((l) => l.event === "config-ready");
    const dir = join(fx().configDir, "..");
    writeFiles(dir, {
      "quick-failover.json": JSON.stringify({
        extends: "failover",
        phases: [
          { kind: "warmup", seconds: 2, loop: "open", rate: 20, connections: 2 },
          { kind: "sustained", seconds: 14, loop: "open", rate: 30, connections: 2 },
        ],
        failover: { atSeconds: 4 },
        slo: { maxOutageSeconds: 30, maxDrainSeconds: 40, zeroLoss: true },
      }),
    });

    const r = await cli(
      [
        "load",
        "--profile",
        "quick-failover.json",
        "--target",
        `127.0.0.1:${fx().vip.port}`,
        "--sink-port",
        String(sinkPort),
        "--failover-command",
        `kill -9 ${a.proc.child.pid}`,
        "--json",
        "run.json",
        "--html",
        "run.html",
      ],
      dir,
      { PATH: process.env.PATH ?? "" },
    );
    const result = JSON.parse(readFileSync(join(dir, "run.json"), "utf8")) as LoadResult;
    const f = result.failover;
    console.log(
      `      failover at ${f?.atSeconds} s: outage ${f?.outageSeconds} s, ${f?.resent} resent, ${f?.duplicatesAtSink} duplicate(s) at the sink; sent ${result.reconciliation.sent}, ACKed ${result.reconciliation.ackedAA}, sink ${result.reconciliation.sinkReceived}`,
    );
    assert.equal(r.code, 0, `${r.err}\n${JSON.stringify(result.verdict, null, 2)}`);
    assert.equal(
      a.proc.child.exitCode ?? a.proc.child.signalCode,
      "SIGKILL",
      "the command killed the leader",
    );
    assert.equal(f?.trigger, "command");
    assert.equal(f?.triggerError, undefined);
    assert.ok(f?.atSeconds !== null && (f?.atSeconds ?? 0) > 2, "fired during the sustained phase");
    assert.ok((f?.outageSeconds ?? 0) > 0, "the outage is measured");
    assert.equal(result.reconciliation.lossFree, true);
    assert.deepEqual(result.reconciliation.missing, []);
    assert.ok(
      result.reconciliation.ackedAA >= result.reconciliation.sent,
      "every message was ACKed in the end",
    );
    assert.ok(result.verdict.pass);
    assert.deepEqual(
      result.verdict.checks.map((c) => [c.gate, c.pass]),
      [
        ["maxDrainSeconds", true],
        ["maxOutageSeconds", true],
        ["zeroLoss", true],
      ],
    );
    assert.match(readFileSync(join(dir, "run.html"), "utf8"), /outage \(longest gap between AAs\)/);
  });
});
