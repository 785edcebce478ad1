/**
 * PostgreSQL goes away under load. A runner on PgStore takes MLLP traffic from four resending senders
 * over real sockets and delivers to two MLLP lanes; mid-load the database goes away for longer than the
 * listener's `storeWaitMs` (a fault proxy cuts every connection, or the tests' own PostgreSQL shuts down)
 * and comes back. Intake must hold frames without an ACK and close connections it cannot commit for
 * (never a NAK); workers back off and resume by themselves; nothing ACKed is lost.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  type FaultProxy,
  faultProxy,
  type StartedPostgres,
  startPostgres,
} from "@messagefoundry/test-services";
import { loadConfig } from "../../src/config/index.js";
import type { Log } from "../../src/log.js";
import { Runner } from "../../src/pipeline/runner.js";
import { aesGcmCodec, makeStoreKey, openPgStore, type PgStore } from "../../src/store/index.js";
import { freePort, tempDir, until, writeFiles } from "../support/fixtures.js";
import { allDelivered, finalMessages } from "../support/ledger.js";
import { type MllpSink, mllpSender, mllpSink } from "../support/mllp-peers.js";
import { type TestSchema, testSchema, urlParts, viaHost } from "../support/pg-schema.js";

/** How long a frame is held while the store is away (the cut lasts longer, so some connections close). */
const STORE_WAIT_MS = 1500;
const CUT_MS = 4000;

const ROUTES = `
import { env, handler, inbound, mllp, outbound, router, send } from "messagefoundry";
inbound("IB_DOWN", mllp({ host: "127.0.0.1", port: env("in_port", "int") }), {
  router: "down_router",
  storeWaitMs: ${STORE_WAIT_MS},
});
for (const lane of ["OB_DOWN_LANE1", "OB_DOWN_LANE2"]) {
  outbound(lane, mllp({ host: "127.0.0.1", port: env(lane.toLowerCase(), "int"), ackTimeoutMs: 5000 }), {
    retry: { attempts: 1000, baseMs: 50, multiplier: 2, capMs: 500 },
  });
}
router("down_router", () => ["down_handler"]);
handler("down_handler", (msg) => send(msg.get("PID-5.3") === "LANE2" ? "OB_DOWN_LANE2" : "OB_DOWN_LANE1", msg));
`;

interface LogLine {
  level: string;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

function recordingLog(lines: LogLine[]): Log {
  const at =
    (level: string) =>
    (obj: Record<string, unknown>, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  return { debug: () => {}, info: at("info"), warn: at("warn"), error: at("error") };
}

/** A PostgreSQL the engine reaches, and a way to take it away and bring it back. */
interface Outage {
  name: string;
  setup(): Promise<{
    url: string;
    schema: TestSchema;
    begin(): Promise<void>;
    end(): Promise<void>;
    close(): Promise<void>;
  }>;
}

const OUTAGES: Outage[] = [
  {
    name: "a fault proxy cuts every connection",
    async setup() {
      const schema = await testSchema();
      const { host, port } = urlParts(schema.url);
      const proxy: FaultProxy = await faultProxy({ host, port });
      return {
        url: viaHost(schema.url, proxy.host, proxy.port),
        schema,
        begin: async () => proxy.cut(),
        end: async () => proxy.restore(),
        close: () => proxy.close(),
      };
    },
  },
  {
    name: "the tests' own PostgreSQL shuts down and restarts",
    async setup() {
      const own: StartedPostgres = await startPostgres();
      const schema = await testSchema("mf_pgops", own.url);
      return { url: own.url, schema, begin: own.shutdown, end: own.restart, close: own.stop };
    },
  },
];

for (const outage of OUTAGES)
  describe(`PostgreSQL store down under load: ${outage.name}`, function () {
    this.timeout(120_000);
    let db: Awaited<ReturnType<Outage["setup"]>>;
    let store: PgStore | undefined;
    let runner: Runner | undefined;
    const sinks: MllpSink[] = [];
    const dir = tempDir("mf-pg-down-");

    beforeEach(async function () {
      this.timeout(120_000); // the own server's initdb
      db = await outage.setup();
    });
    afterEach(async () => {
      await runner?.stop().catch(() => undefined);
      await store?.close().catch(() => undefined);
      for (const s of sinks.splice(0)) await s.close();
      await db.schema.drop();
      await db.close();
      dir.cleanup();
    });

    it("holds frames unACKed while the store is away, closes past storeWaitMs, and loses nothing", async () => {
      const lane1 = await mllpSink();
      const lane2 = await mllpSink();
      sinks.push(lane1, lane2);
      const inPort = await freePort();
      writeFiles(dir.dir, {
        "config/routes.ts": ROUTES,
        "config/environments/test.toml": `in_port = ${inPort}\nob_down_lane1 = ${lane1.port}\nob_down_lane2 = ${lane2.port}\n`,
      });
      const loaded = await loadConfig(`${dir.dir}/config`, { env: "test" });
      assert.deepEqual(
        loaded.problems.filter((p) => p.severity === "error"),
        [],
      );
      const codec = aesGcmCodec(makeStoreKey(randomBytes(32)));
      store = await openPgStore({
        connectionString: db.url,
        schema: db.schema.name,
        codec,
        onPoolError: () => undefined, // idle connections dropped by the cut: the next query reconnects
      });
      const lines: LogLine[] = [];
      runner = new Runner({ store, log: recordingLog(lines), workers: { pollMs: 200 } });
      await runner.start(loaded.registry);

      const acked: string[] = [];
      const unanswered: string[] = [];
      let stopped = false;
      const senders = ["A", "B", "C", "D"].map((prefix) =>
        mllpSender(inPort, {
          prefix,
          acked,
          stop: () => stopped,
          resend: true,
          onUnanswered: (id) => unanswered.push(id),
        }),
      );

      await until(() => acked.length >= 200, 5);
      await db.begin();
      const ackedAtCut = acked.length;
      await new Promise((r) => setTimeout(r, CUT_MS));
      // Nothing can be committed while the database is unreachable, so nothing may have been ACKed
      // (a reply already in flight at the cut is the one exception: at most one per sender).
      assert.ok(acked.length - ackedAtCut <= 4, `${acked.length - ackedAtCut} ACKs while the store was away`);
      // The cut outlasted storeWaitMs: held frames were answered by closing, without an ACK or NAK.
      assert.ok(
        unanswered.length >= 4,
        `every sender had a connection closed unanswered (${unanswered.length})`,
      );
      await db.end();

      // The engine resumes by itself; the senders' resent frames get through.
      await until(() => acked.length >= ackedAtCut + 300, 10);
      stopped = true;
      await Promise.all(senders);
      await until(() => allDelivered(acked, [lane1, lane2]), 50);
      for (const id of unanswered) assert.ok(acked.includes(id), `resent ${id} was ACKed after the outage`);
      await until(async () => (await store!.stats()).depth.every((d) => d.pending + d.claimed === 0), 50);
      await runner.stop();
      runner = undefined;

      // Every ACKed message was committed and ends in exactly one final disposition per stored copy.
      const messages = await finalMessages(store);
      for (const id of acked) {
        const copies = messages.get(id);
        assert.ok(copies && copies.length >= 1, `ACKed ${id} is in the store`);
        for (const m of copies) assert.equal(m.disposition, "PROCESSED", `${id} (message ${m.id})`);
      }
      // One warning for the outage, not one per worker, row or frame; and its end at info.
      const down = lines.filter((l) => l.obj.event === "store-unavailable");
      assert.equal(
        down.length,
        1,
        `store-unavailable logged ${down.length} times: ${down.map((l) => l.obj.err).join("; ")}`,
      );
      assert.equal(down[0]?.level, "warn");
      assert.equal(lines.filter((l) => l.obj.event === "store-available").length, 1);
      assert.deepEqual(
        lines.filter((l) => l.level === "error").map((l) => l.msg),
        [],
        "no errors logged for the outage",
      );
    });
  });
