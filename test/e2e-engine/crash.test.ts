/**
 * Crash test: `messagefoundry serve` as a child process takes MLLP traffic from several concurrent
 * senders and delivers to two MLLP lanes; it is killed with SIGKILL mid-load and started again on the
 * same database. Every ACKed message must reach exactly one final disposition and be delivered at
 * least once, each lane in commit order, with the count-and-log totals adding up. One test body runs
 * on both backends: SQLite (`serve --db`) and PostgreSQL (`serve --settings engine.toml`, a fresh schema).
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  aesGcmCodec,
  type BodyCodec,
  openPgStore,
  openSqliteStore,
  parseStoreKey,
  type Store,
} from "../../engine/src/store/index.js";
import { freePort, until } from "../../engine/test/support/fixtures.js";
import { allDelivered, allFinal, finalMessages } from "../../engine/test/support/ledger.js";
import { mllpSender, mllpSink } from "../../engine/test/support/mllp-peers.js";
import { type TestSchema, testSchema, urlParts } from "../../engine/test/support/pg-schema.js";
import { type ServedStore, serve } from "./serve.js";

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

/** A store for the engine under test: what `serve` is given, its environment, and how the test reads it. */
interface Backend {
  name: string;
  setup(dir: string): Promise<{
    store: ServedStore;
    env: NodeJS.ProcessEnv;
    open(codec: BodyCodec): Promise<Store>;
    cleanup(): Promise<void>;
  }>;
}

const BACKENDS: Backend[] = [
  {
    name: "SQLite",
    async setup(dir) {
      const path = join(dir, "engine.db");
      return {
        store: path,
        env: {},
        open: async (codec) => openSqliteStore({ path, codec }),
        cleanup: async () => undefined,
      };
    },
  },
  {
    name: "PostgreSQL",
    async setup(dir) {
      const schema: TestSchema = await testSchema("mf_crash");
      const pg = urlParts(schema.url);
      const settings = join(dir, "engine.toml");
      writeFileSync(
        settings,
        [
          "[store]",
          'backend = "postgres"',
          `host = "${pg.host}"`,
          `port = ${pg.port}`,
          `database = "${pg.database}"`,
          `user = "${pg.user}"`,
          `schema = "${schema.name}"`,
          "",
        ].join("\n"),
      );
      return {
        store: { settings },
        env: {
          MEFOR_CONFIG_KEY: randomBytes(32).toString("base64"),
          ...(pg.password ? { MEFOR_STORE_PASSWORD: pg.password } : {}),
        },
        open: (codec) => openPgStore({ connectionString: schema.url, schema: schema.name, codec }),
        cleanup: () => schema.drop(),
      };
    },
  },
];

async function listening(port: number, child: ChildProcess): Promise<void> {
  await until(() => {
    // A serve that exits (a bad flag, a store it cannot open) fails the test at once.
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`serve exited before listening (${child.exitCode ?? child.signalCode})`);
    return new Promise<boolean>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
  }, 50);
}

for (const backend of BACKENDS) {
  describe(`e2e engine: kill -9 under load (${backend.name})`, function () {
    this.timeout(120_000);
    let dir: string;
    let cleanup: () => Promise<void> = async () => undefined;
    const children: ChildProcess[] = [];
    afterEach(async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it("every ACKed message reaches one final disposition and is delivered at least once, in lane order", async () => {
      dir = mkdtempSync(join(tmpdir(), "mf-crash-"));
      const backing = await backend.setup(dir);
      cleanup = backing.cleanup;
      const lane1 = await mllpSink();
      const lane2 = await mllpSink();
      const inPort = await freePort();
      mkdirSync(join(dir, "config", "environments"), { recursive: true });
      writeFileSync(join(dir, "config", "routes.ts"), ROUTES);
      writeFileSync(
        join(dir, "config", "environments", "test.toml"),
        `in_port = ${inPort}\nob_crash_lane1 = ${lane1.port}\nob_crash_lane2 = ${lane2.port}\n`,
      );
      const key = randomBytes(32).toString("base64");

      const first = serve(dir, backing.store, key, backing.env);
      children.push(first);
      const firstExit = new Promise<NodeJS.Signals | null>((r) => first.on("exit", (_c, sig) => r(sig)));
      await listening(inPort, first);

      const acked: string[] = [];
      let stopped = false;
      const senders = ["A", "B", "C", "D"].map((prefix) =>
        mllpSender(inPort, { prefix, acked, stop: () => stopped }),
      );
      await until(() => acked.length >= 500, 5);
      first.kill("SIGKILL");
      assert.equal(await firstExit, "SIGKILL");
      stopped = true;
      await Promise.all(senders);
      const ackedBeforeCrash = acked.length;

      const second = serve(dir, backing.store, key, backing.env);
      children.push(second);
      const secondExit = new Promise<number | null>((r) => second.on("exit", (code) => r(code)));
      await listening(inPort, second);
      // Recovery: everything ACKed before the crash is delivered after the restart, and so is what was
      // committed but not yet ACKed when the engine died (no sender waits for it: read the store).
      await until(() => allDelivered(acked, [lane1, lane2]), 50);
      const watching = await backing.open(aesGcmCodec(parseStoreKey(key)));
      try {
        await until(() => allFinal(watching), 50);
      } finally {
        await watching.close();
      }
      second.kill("SIGTERM");
      assert.equal(await secondExit, 0);
      await lane1.close();
      await lane2.close();

      const store = await backing.open(aesGcmCodec(parseStoreKey(key)));
      try {
        const byControlId = await finalMessages(store);
        const messageIdOf = new Map<string, number>();
        for (const [id, copies] of byControlId) {
          assert.equal(copies.length, 1, `one message per control id (${id})`);
          assert.equal(copies[0]?.disposition, "PROCESSED");
          messageIdOf.set(id, copies[0]?.id ?? -1);
        }
        const all = messageIdOf.size;
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
}
