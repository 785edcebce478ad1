/**
 * Crash test: `messagefoundry serve` as a child process takes MLLP traffic from several concurrent
 * senders and delivers to two MLLP lanes; it is killed with SIGKILL mid-load and started again on the
 * same database. Every ACKed message must reach exactly one final disposition and be delivered at
 * least once, each lane in commit order, with the count-and-log totals adding up.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildAck, encodeMllp, MllpDecoder, parse } from "messagefoundry/hl7";
import {
  aesGcmCodec,
  FINAL_DISPOSITIONS,
  openSqliteStore,
  parseStoreKey,
} from "../../engine/src/store/index.js";
import { freePort, until } from "../../engine/test/support/fixtures.js";
import { serve } from "./serve.js";

const ROUTES = `
import { env, handler, inbound, mllp, outbound, router, send } from "messagefoundry";
inbound("IB_CRASH_ADT", mllp({ host: "127.0.0.1", port: env("in_port", "int") }), { router: "crash_router" });
for (const lane of ["OB_CRASH_LANE1", "OB_CRASH_LANE2"]) {
  outbound(lane, mllp({ host: "127.0.0.1", port: env(lane.toLowerCase(), "int"), ackTimeoutMs: 5000 }), {
    retry: { attempts: 1000, baseMs: 50, multiplier: 2, capMs: 500 },
  });
}
router("crash_router", () => ["crash_handler"]);
handler("crash_handler", (msg) => {
  msg.set("MSH-5", "CRASHSINK");
  return send(msg.get("PID-5.3") === "LANE2" ? "OB_CRASH_LANE2" : "OB_CRASH_LANE1", msg);
});
`;

function adt(id: string, lane: string): string {
  return [
    `MSH|^~\\&|SENDER|FAC|RECEIVER|FAC|20260101120000||ADT^A01^ADT_A01|${id}|P|2.5.1`,
    "EVN|A01|20260101120000",
    `PID|1||${id}^^^MRN||TEST^PATIENT^${lane}||19700101|U`,
  ].join("\r");
}

/** An MLLP destination recording MSH-10 of every message in arrival order (duplicates included). */
async function sink() {
  const ids: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    const dec = new MllpDecoder();
    s.on("data", (c: Buffer) => {
      for (const f of dec.push(c)) {
        const msg = parse(f.toString("latin1"));
        ids.push(msg.controlId ?? "");
        s.write(encodeMllp(buildAck(msg, { code: "AA" }).encode()));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    ids,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Sends messages one at a time on one connection until stopped or the engine dies; records ACKs. */
async function sender(port: number, prefix: string, acked: string[], stop: () => boolean): Promise<void> {
  const socket = net.connect({ host: "127.0.0.1", port });
  await new Promise<void>((ok, fail) => {
    socket.once("connect", ok);
    socket.once("error", fail);
  });
  const dec = new MllpDecoder();
  let wake: ((f: Buffer | undefined) => void) | undefined;
  socket.on("data", (c: Buffer) => {
    for (const f of dec.push(c)) wake?.(f);
  });
  socket.on("close", () => wake?.(undefined));
  socket.on("error", () => {});
  for (let i = 1; !stop(); i++) {
    const id = `${prefix}${String(i).padStart(6, "0")}`;
    const reply = await new Promise<Buffer | undefined>((resolve) => {
      wake = resolve;
      socket.write(encodeMllp(adt(id, i % 2 === 0 ? "LANE2" : "LANE1")));
    });
    if (!reply) return; // the engine died: this message has no ACK, so it is not owed
    if (parse(reply.toString("latin1")).get("MSA-1") === "AA") acked.push(id);
  }
  socket.destroy();
}

async function listening(port: number, child: ChildProcess): Promise<void> {
  await until(() => {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error("serve exited before listening");
    return true;
  });
  await until(
    () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect({ host: "127.0.0.1", port }, () => {
          s.destroy();
          resolve(true);
        });
        s.on("error", () => resolve(false));
      }),
    50,
  );
  if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}`);
}

describe("e2e engine: kill -9 under load", function () {
  this.timeout(120_000);
  let dir: string;
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("every ACKed message reaches one final disposition and is delivered at least once, in lane order", async () => {
    dir = mkdtempSync(join(tmpdir(), "mf-crash-"));
    const lane1 = await sink();
    const lane2 = await sink();
    const inPort = await freePort();
    mkdirSync(join(dir, "config", "environments"), { recursive: true });
    writeFileSync(join(dir, "config", "routes.ts"), ROUTES);
    writeFileSync(
      join(dir, "config", "environments", "test.toml"),
      `in_port = ${inPort}\nob_crash_lane1 = ${lane1.port}\nob_crash_lane2 = ${lane2.port}\n`,
    );
    const key = randomBytes(32).toString("base64");
    const db = join(dir, "engine.db");

    const first = serve(dir, db, key);
    children.push(first);
    const firstExit = new Promise<NodeJS.Signals | null>((r) => first.on("exit", (_c, sig) => r(sig)));
    await listening(inPort, first);

    const acked: string[] = [];
    let stopped = false;
    const senders = ["A", "B", "C", "D"].map((p) => sender(inPort, p, acked, () => stopped));
    await until(() => acked.length >= 500, 5);
    first.kill("SIGKILL");
    assert.equal(await firstExit, "SIGKILL");
    stopped = true;
    await Promise.all(senders);
    const ackedBeforeCrash = acked.length;

    const second = serve(dir, db, key);
    children.push(second);
    const secondExit = new Promise<number | null>((r) => second.on("exit", (code) => r(code)));
    await listening(inPort, second);
    // Recovery: everything ACKed before the crash is delivered after the restart.
    await until(() => {
      const seen = new Set([...lane1.ids, ...lane2.ids]);
      return acked.every((id) => seen.has(id));
    }, 50);
    second.kill("SIGTERM");
    assert.equal(await secondExit, 0);
    await lane1.close();
    await lane2.close();

    const store = openSqliteStore({ path: db, codec: aesGcmCodec(parseStoreKey(key)) });
    try {
      const messageIdOf = new Map<string, number>();
      let all = 0;
      for (let before: number | undefined; ; ) {
        const page = await store.listMessages({
          limit: 500,
          ...(before !== undefined ? { beforeId: before } : {}),
        });
        if (page.length === 0) break;
        for (const m of page) {
          all++;
          assert.ok(FINAL_DISPOSITIONS.has(m.disposition), `message ${m.id} ends ${m.disposition}`);
          assert.equal(m.disposition, "PROCESSED");
          assert.ok(!messageIdOf.has(m.controlId ?? ""), `one message per control id (${m.controlId})`);
          messageIdOf.set(m.controlId ?? "", m.id);
        }
        before = page[page.length - 1]?.id;
      }
      for (const id of acked) assert.ok(messageIdOf.has(id), `ACKed ${id} is in the store`);
      // Per lane, first deliveries follow commit order (a re-send after the crash repeats, never reorders).
      for (const lane of [lane1, lane2]) {
        const firsts: number[] = [];
        const seen = new Set<string>();
        for (const id of lane.ids) {
          if (seen.has(id)) continue;
          seen.add(id);
          firsts.push(messageIdOf.get(id) ?? -1);
        }
        for (let i = 1; i < firsts.length; i++)
          assert.ok((firsts[i] ?? 0) > (firsts[i - 1] ?? 0), "lane order");
      }
      // Every stored message was delivered, on exactly one lane.
      const lane1Ids = new Set(lane1.ids);
      const lane2Ids = new Set(lane2.ids);
      assert.equal(lane1Ids.size + lane2Ids.size, all);
      for (const id of messageIdOf.keys())
        assert.ok(lane1Ids.has(id) !== lane2Ids.has(id), `${id} on one lane`);
      // Count and log: the counters agree with the rows.
      const stats = await store.stats();
      const ib = stats.connections.find((c) => c.conn === "IB_CRASH_ADT");
      assert.equal(ib?.received, all);
      assert.equal(ib?.processed, all);
      const deliveredRows = stats.connections
        .filter((c) => c.conn.startsWith("OB_CRASH_"))
        .reduce((n, c) => n + c.delivered, 0);
      assert.equal(deliveredRows, all);
      assert.ok(stats.depth.every((d) => d.pending + d.claimed === 0));
      assert.ok(ackedBeforeCrash >= 500);
    } finally {
      await store.close();
    }
  });
});
