/**
 * The cluster proof (issue 15) with real `serve` processes on the machine's PostgreSQL: kill -9 of the
 * leader under MLLP load, a SIGSTOPped leader that wakes up after a standby took over, clean handovers
 * (SIGTERM, POST /cluster/stepdown) and a promote that reaches the standby. Timings: heartbeat 1 s,
 * fence 2 s, lease 3 s. The takeover times are logged; the bound asserted is the lease TTL plus one
 * heartbeat plus scheduling slack for a busy machine (docs/PERFORMANCE.md has the measured numbers).
 */
import assert from "node:assert/strict";
import { MllpSender, until } from "../runtime/helpers.js";
import { deliveredAll, ledger, steadyLoad } from "../support/ha-load.js";
import { type Node, routes, TIMINGS, useClusterFixture } from "./fixture.js";

const SLACK_MS = 4000;

/** Waits for `node` to log `event` after `from` (log-line index), returns when (Date.now()). */
async function event(
  node: Node,
  name: string,
  from = 0,
  extra: (l: Record<string, unknown>) => boolean = () => true,
) {
  await node.proc.waitFor((l) => l.event === name && extra(l), from);
  return Date.now();
}

describe("cluster: active-passive engines on one PostgreSQL (multi-process)", function () {
  this.timeout(120_000);
  const fx = useClusterFixture();

  it("kill -9 the leader under load: a standby takes the lease within TTL + heartbeat; then stepdown and SIGTERM hand over with no loss and no new duplicates", async () => {
    const a = await fx().start("a", "127.0.0.2");
    await event(a, "cluster-leading");
    const [b, c] = await Promise.all([fx().start("b", "127.0.0.3"), fx().start("c", "127.0.0.4")]);
    await Promise.all([event(b, "config-ready"), event(c, "config-ready")]);
    const load = steadyLoad(fx().vip.port, "K");
    const progress = setInterval(() => {
      if (process.env.MEFOR_HA_DEBUG)
        console.log(
          `acked ${load.acked.length} resends ${load.resends} sink ${fx().sink.received.length} delivered-all ${deliveredAll(load.acked, fx().sink.received)}`,
        );
    }, 2000);
    after(() => clearInterval(progress));
    await load.acks(30);

    // kill -9: the lease expires on the database's clock; a standby takes it and recovers at once.
    const marks = [b.proc.lines.length, c.proc.lines.length];
    const killedAt = Date.now();
    await a.proc.stop("SIGKILL");
    const leader = await Promise.race([
      event(b, "cluster-role", marks[0], (l) => l.role === "primary").then(() => b),
      event(c, "cluster-role", marks[1], (l) => l.role === "primary").then(() => c),
    ]);
    const other = leader === b ? c : b;
    const acquired = Date.now() - killedAt;
    const up = (await event(leader, "cluster-leading", leader === b ? marks[0] : marks[1])) - killedAt;
    console.log(`      kill -9 → ${leader.id} holds the lease after ${acquired} ms, graph up after ${up} ms`);
    assert.ok(acquired <= TIMINGS.ttlMs + TIMINGS.heartbeatMs + SLACK_MS, `the takeover took ${acquired} ms`);
    await load.acks(30);
    await until(() => deliveredAll(load.acked, fx().sink.received), 50);
    // Every ACKed message delivered, the lane's order kept (first deliveries in send order).
    const afterKill = ledger(load.acked, fx().sink.received);
    console.log(
      `      kill -9: ${afterKill.unique} delivered, ${afterKill.duplicates} duplicate(s), ${load.resends} resend(s)`,
    );

    // POST /cluster/stepdown (config:deploy, re-auth): drains, releases; the other standby leads.
    const token = await fx().login(leader);
    const refused = await fx().api(other, "POST", "/cluster/stepdown", undefined, token);
    assert.equal(refused.status, 409);
    assert.equal((refused.body.error as { code: string }).code, "NOT_LEADER");
    let mark = other.proc.lines.length;
    let at = Date.now();
    const stepped = await fx().api(leader, "POST", "/cluster/stepdown", undefined, token);
    assert.equal(stepped.status, 200, JSON.stringify(stepped.body));
    assert.equal(stepped.body.role, "standby");
    await event(other, "cluster-role", mark, (l) => l.role === "primary");
    const stepAcquired = Date.now() - at;
    await event(other, "cluster-leading", mark);
    console.log(
      `      stepdown → ${other.id} holds the lease after ${stepAcquired} ms, graph up after ${Date.now() - at} ms`,
    );
    await load.acks(30);

    // SIGTERM of the new leader: it drains, releases; the node that stepped down leads again.
    mark = leader.proc.lines.length;
    at = Date.now();
    assert.equal(await other.proc.stop("SIGTERM"), 0);
    await event(leader, "cluster-leading", mark);
    console.log(`      SIGTERM → ${leader.id} leading after ${Date.now() - at} ms`);
    await load.acks(30);
    await load.stop();

    await until(() => deliveredAll(load.acked, fx().sink.received), 50);
    const end = ledger(load.acked, fx().sink.received);
    assert.equal(end.duplicates, afterKill.duplicates, "clean handovers deliver nothing twice");
    type Member = { nodeId: string; leader: boolean; role: string };
    const members = async () =>
      (await fx().api(leader, "GET", "/cluster/nodes", undefined, token)).body.nodes as Member[];
    // A member's role is what its last heartbeat said: the node leading again reports it at its next one.
    await until(
      async () => (await members()).some((n) => n.nodeId === leader.id && n.role === "primary"),
      100,
    );
    const list = await members();
    assert.deepEqual(
      list.map((n) => [n.nodeId, n.leader, n.role]),
      [
        ["a", false, "primary"], // killed: its last heartbeat said primary; the lease says otherwise
        [leader.id, true, "primary"],
        [other.id, false, "stopped"],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
  });

  it("SIGSTOP past the fence: a standby takes over; after SIGCONT the old leader has fenced itself and commits nothing", async () => {
    const a = await fx().start("a", "127.0.0.2");
    const b = await fx().start("b", "127.0.0.3");
    await Promise.all([event(a, "cluster-leading"), event(b, "config-ready")]);
    const load = steadyLoad(fx().vip.port, "S");
    await load.acks(30);

    const mark = b.proc.lines.length;
    a.proc.child.kill("SIGSTOP");
    fx().vip.moveTo(undefined); // its health check stops answering
    // A frame waits in the paused leader's socket (the kernel still accepts the connection).
    const stale = await MllpSender.connect(fx().inPort, a.address);
    const staleReply = stale
      .send(
        "MSH|^~\\&|SENDER|FAC|RECEIVER|FAC|20260101120000||ADT^A01^ADT_A01|STALE1|P|2.5.1\rPID|1||STALE1^^^MRN||SYN^PATIENT",
      )
      .then(
        (code) => code,
        () => "no reply",
      );
    await event(b, "cluster-leading", mark);
    await load.acks(30);

    const markA = a.proc.lines.length;
    a.proc.child.kill("SIGCONT");
    await event(a, "cluster-stood-down", markA);
    assert.ok(
      a.proc.lines.slice(markA).some((l) => l.event === "self-fence"),
      "the woken leader fenced itself",
    );
    assert.notEqual(await staleReply, "AA", "the frame that waited in its socket is not ACKed");
    stale.close();
    const stored = await fx().schema.client.query(
      "SELECT count(*)::int AS n FROM messages WHERE control_id = 'STALE1'",
    );
    assert.equal(stored.rows[0]?.n, 0, "nor committed");
    const lease = await fx().schema.client.query("SELECT owner, epoch::int AS epoch FROM cluster_lease");
    assert.deepEqual(lease.rows[0], { owner: "b", epoch: 2 });

    await load.acks(30);
    await load.stop();
    await until(() => deliveredAll(load.acked, fx().sink.received), 50);
    const end = ledger(load.acked, fx().sink.received);
    console.log(
      `      SIGSTOP: ${end.unique} delivered, ${end.duplicates} duplicate(s), ${load.resends} resend(s)`,
    );
  });

  it("promote while clustered reaches the standby; a standby answers writes NOT_LEADER; after failover the new leader runs the promoted version", async () => {
    const a = await fx().start("a", "127.0.0.2");
    const b = await fx().start("b", "127.0.0.3");
    await Promise.all([event(a, "cluster-leading"), event(b, "config-ready")]);
    const token = await fx().login(a);

    let status = await fx().api(a, "GET", "/cluster/status", undefined, token);
    assert.equal(status.body.role, "primary");
    assert.equal(status.body.clustered, true);
    status = await fx().api(b, "GET", "/cluster/status", undefined, token);
    assert.equal(status.body.role, "standby");
    assert.deepEqual(status.body.leader, { nodeId: "a", apiUrl: `http://127.0.0.1:${a.apiPort}` });

    const files = {
      "routes.ts": routes("OB_HA2", "sink2_port"),
      "environments/test.toml": `in_host = "127.0.0.1"\nin_port = ${fx().inPort}\nsink_port = ${fx().sink.port}\nsink2_port = ${fx().sink2.port}\n`,
    };
    // A write on the standby: 409 NOT_LEADER naming the leader.
    const onStandby = await fx().api(b, "POST", "/config/stage", { files }, token);
    assert.equal(onStandby.status, 409);
    assert.deepEqual(onStandby.body.error, {
      code: "NOT_LEADER",
      message: `this node is a standby: send writes to the leader a at http://127.0.0.1:${a.apiPort}`,
      leader: { nodeId: "a", apiUrl: `http://127.0.0.1:${a.apiPort}` },
    });

    const staged = await fx().api(a, "POST", "/config/stage", { files }, token);
    assert.equal(staged.status, 200, JSON.stringify(staged.body));
    const mark = b.proc.lines.length;
    const promoted = await fx().api(a, "POST", "/config/promote", { stageId: staged.body.stageId }, token);
    assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
    const hash = promoted.body.contentHash as string;
    await event(b, "config-ready", mark, (l) => l.contentHash === hash);
    await until(async () => {
      const r = await fx().api(a, "GET", "/cluster/nodes", undefined, token);
      const nb = (r.body.nodes as { nodeId: string; configVersion: string; promotable: boolean }[]).find(
        (n) => n.nodeId === "b",
      );
      return nb?.configVersion === hash && nb.promotable;
    }, 100);

    const markB = b.proc.lines.length;
    await a.proc.stop("SIGKILL");
    await event(b, "cluster-leading", markB);
    status = await fx().api(b, "GET", "/cluster/status", undefined, token);
    assert.equal(status.body.role, "primary");
    assert.equal(status.body.configVersion, hash);
    const sender = await MllpSender.connect(fx().vip.port);
    assert.equal(
      await sender.send(
        "MSH|^~\\&|SENDER|FAC|RECEIVER|FAC|20260101120000||ADT^A01^ADT_A01|PROMO1|P|2.5.1\rPID|1||PROMO1^^^MRN||SYN^PATIENT",
      ),
      "AA",
    );
    sender.close();
    await until(() => fx().sink2.received.some((m) => m.includes("PROMO1")), 50);
  });
});
