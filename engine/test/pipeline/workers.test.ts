import assert from "node:assert/strict";
import {
  createIntake,
  type DeliverFn,
  type DeliverOutcome,
  type PayloadEnvelope,
  type RetryPolicy,
  type RouteFn,
  STAGE_BATCH,
  startDeliveryWorker,
  startRouterWorker,
  startTransformWorker,
  type TransformFn,
  TransformLink,
  type WorkerHandle,
} from "../../src/pipeline/index.js";
import type { Disposition } from "../../src/store/index.js";
import type { StoreHarness } from "../store/contract.js";
import { DIALECTS } from "../store/harnesses.js";
import { adt, buf, eventually } from "../store/helpers.js";

const FAST_RETRY: RetryPolicy = { attempts: 5, baseMs: 5, multiplier: 2, capMs: 50 };

/** The user's pure router: every message goes to handler `h` except control ids listed as unrouted. */
const routeToH: RouteFn = async (_inbound, input) =>
  input.controlId?.startsWith("UNROUTED") ? { handlers: [] } : { handlers: ["h"] };

/** The user's handler: upper-cases the family name and sends to the outbounds named in the control id. */
function sendTo(...outbounds: string[]): TransformFn {
  return async (_handler, input: PayloadEnvelope) => {
    if (input.controlId?.startsWith("FILTER")) return { sends: [] };
    const text = input.body.toString("latin1").replace("TEST^PATIENT", "TEST^PATIENT-T");
    return { sends: outbounds.map((outbound) => ({ outbound, payload: Buffer.from(text, "latin1") })) };
  };
}

/** A downstream that records what it received, in order, and answers per a script. */
class Downstream {
  received: string[] = [];
  constructor(
    private answer: (controlId: string, attempt: number) => DeliverOutcome | Promise<DeliverOutcome>,
  ) {}
  deliver: DeliverFn = async (_outbound, payload, meta) => {
    const out = await this.answer(meta.controlId ?? "", meta.attempt);
    if (out.status === "ok") this.received.push(meta.controlId ?? "");
    assert.ok(payload.toString("latin1").includes("TEST^PATIENT-T"));
    return out;
  };
  setAnswer(answer: (controlId: string, attempt: number) => DeliverOutcome | Promise<DeliverOutcome>) {
    this.answer = answer;
  }
}

const ok = (): DeliverOutcome => ({ status: "ok", reply: buf("MSH|^~\\&|\rMSA|AA") });

for (const [kind, open] of DIALECTS) {
  describe(`pipeline workers on ${kind}`, () => {
    let t: StoreHarness;
    let workers: WorkerHandle[];
    beforeEach(async () => {
      t = await open();
      workers = [];
    });
    afterEach(async () => {
      await Promise.all(workers.map((w) => w.stop()));
      await t.cleanup();
    });

    function run(opts: {
      route?: RouteFn;
      transform?: TransformFn;
      outbounds: Record<string, Downstream>;
      retry?: RetryPolicy;
      callTimeoutMs?: number;
      deliveryPollMs?: number;
      link?: TransformLink;
    }) {
      const common = {
        store: t.store,
        pollMs: 200,
        callTimeoutMs: opts.callTimeoutMs ?? 30_000,
        ...(opts.link ? { link: opts.link } : {}),
      };
      workers.push(startRouterWorker("IB_TEST", opts.route ?? routeToH, common));
      workers.push(
        startTransformWorker("IB_TEST", opts.transform ?? sendTo(...Object.keys(opts.outbounds)), common),
      );
      for (const [name, d] of Object.entries(opts.outbounds)) {
        workers.push(
          startDeliveryWorker(name, d.deliver, {
            store: t.store,
            pollMs: opts.deliveryPollMs ?? 200,
            retry: opts.retry ?? FAST_RETRY,
          }),
        );
      }
    }

    async function send(...controlIds: string[]): Promise<number[]> {
      const intake = createIntake(t.store);
      const ids: number[] = [];
      for (const c of controlIds) ids.push((await intake.receive("IB_TEST", buf(adt(c)))).messageId);
      return ids;
    }

    async function dispositions(ids: number[]): Promise<Disposition[]> {
      return Promise.all(ids.map(async (id) => (await t.store.getMessage(id))?.disposition ?? "RECEIVED"));
    }

    async function settle(ids: number[], expected: Disposition[], ms?: number): Promise<void> {
      await eventually(
        async () => {
          const d = await dispositions(ids);
          return d.every((x, i) => x === expected[i]);
        },
        `dispositions ${expected.join(",")}`,
        ms,
      );
      assert.deepEqual(await dispositions(ids), expected);
    }

    it("routes, transforms and delivers every message in order: PROCESSED", async () => {
      const sink = new Downstream(ok);
      run({ outbounds: { OB_A: sink } });
      const cids = Array.from({ length: 30 }, (_, i) => `M${i}`);
      const ids = await send(...cids);
      await settle(
        ids,
        ids.map(() => "PROCESSED"),
      );
      assert.deepEqual(sink.received, cids);
      const c = (await t.store.stats()).connections;
      assert.equal(c.find((x) => x.conn === "IB_TEST")?.processed, 30);
      assert.equal(c.find((x) => x.conn === "OB_A")?.delivered, 30);
    });

    it("a lane delivers the rows handed to it without reading them back from the store", async () => {
      let open: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const sink = new Downstream(async (cid) => {
        if (cid === "H0") await gate;
        return ok();
      });
      // No poll claim while the first delivery waits: only handoffs feed the lane meanwhile.
      run({ outbounds: { OB_A: sink }, deliveryPollMs: 60_000 });
      const cids = ["H0", "H1", "H2", "H3", "H4"];
      const ids = await send(...cids);
      await eventually(
        async () => (await t.query("SELECT id FROM stage_rows WHERE stage = 'outbound'")).length === 5,
        "five outbound rows written",
      );
      // Unreadable in the store from now on: a lane that read them back would dead-letter them.
      await t.exec(
        "UPDATE stage_rows SET payload = ? WHERE stage = 'outbound' AND message_id <> ?",
        Buffer.from("not a ciphertext"),
        ids[0] ?? 0,
      );
      open();
      await settle(
        ids,
        ids.map(() => "PROCESSED"),
      );
      assert.deepEqual(sink.received, cids, "each payload as the handler made it (Downstream checks)");
    });

    it("retries an AE with backoff, holding its lane, then delivers everything in order", async () => {
      const sink = new Downstream((cid, attempt) =>
        cid === "R0" && attempt < 3 ? { status: "retry", error: "AE from receiver" } : ok(),
      );
      run({ outbounds: { OB_A: sink } });
      const ids = await send("R0", "R1", "R2", "R3");
      await settle(ids, ["PROCESSED", "PROCESSED", "PROCESSED", "PROCESSED"]);
      assert.deepEqual(sink.received, ["R0", "R1", "R2", "R3"]);
      const m = await t.store.getMessage(ids[0] ?? 0);
      assert.deepEqual(
        m?.history.filter((e) => e.stage === "outbound").map((e) => e.kind),
        ["delivery-retry", "delivery-retry", "delivered"],
      );
      assert.equal(m?.rows.find((r) => r.stage === "outbound")?.attempts, 3);
    });

    it('an "unordered" lane lets later messages pass one that is backing off', async () => {
      const slowRetry: RetryPolicy = { attempts: 5, baseMs: 300, multiplier: 1, capMs: 300 };
      const sink = new Downstream((cid, attempt) =>
        cid === "U0" && attempt < 2 ? { status: "retry", error: "AE from receiver" } : ok(),
      );
      const common = { store: t.store, pollMs: 100, callTimeoutMs: 30_000 };
      workers.push(startRouterWorker("IB_TEST", routeToH, common));
      workers.push(startTransformWorker("IB_TEST", sendTo("OB_A"), common));
      workers.push(
        startDeliveryWorker("OB_A", sink.deliver, {
          store: t.store,
          pollMs: 100,
          retry: slowRetry,
          ordered: false,
        }),
      );
      const ids = await send("U0", "U1", "U2");
      await settle(ids, ["PROCESSED", "PROCESSED", "PROCESSED"]);
      // U0 waited out its 300 ms backoff while U1 and U2 went on (a FIFO lane would give U0, U1, U2).
      assert.deepEqual(sink.received, ["U1", "U2", "U0"]);
    });

    it("dead-letters an AR at once while its siblings flow", async () => {
      const sink = new Downstream((cid) =>
        cid === "POISON" ? { status: "permanent", error: "AR from receiver" } : ok(),
      );
      run({ outbounds: { OB_A: sink } });
      const ids = await send("A1", "POISON", "A2");
      await settle(ids, ["PROCESSED", "ERROR", "PROCESSED"]);
      assert.deepEqual(sink.received, ["A1", "A2"]);
      const poison = await t.store.getMessage(ids[1] ?? 0);
      assert.equal(poison?.error, "AR from receiver");
      assert.equal(poison?.rows.find((r) => r.stage === "outbound")?.attempts, 1);
      const dead = await t.store.listDeadLetters({ conn: "OB_A" });
      assert.deepEqual(
        dead.map((r) => r.messageId),
        [ids[1]],
      );
    });

    it("dead-letters after the retry attempts run out", async () => {
      const sink = new Downstream(() => ({ status: "retry", error: "connection refused" }));
      run({ outbounds: { OB_A: sink }, retry: { attempts: 3, baseMs: 1, multiplier: 2, capMs: 4 } });
      const ids = await send("DOWN1");
      await settle(ids, ["ERROR"]);
      const m = await t.store.getMessage(ids[0] ?? 0);
      assert.equal(m?.error, "retries exhausted: connection refused");
      assert.equal(m?.rows.find((r) => r.stage === "outbound")?.attempts, 3);
    });

    it("a slow destination never stalls another", async () => {
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const slow = new Downstream(async () => {
        await gate;
        return ok();
      });
      const fast = new Downstream(ok);
      run({ outbounds: { OB_SLOW: slow, OB_FAST: fast } });
      const ids = await send("F1", "F2", "F3");
      await eventually(() => fast.received.length === 3, "fast destination got all three");
      assert.deepEqual(slow.received, []);
      assert.deepEqual(await dispositions(ids), ["ROUTED", "ROUTED", "ROUTED"]);
      release();
      await settle(ids, ["PROCESSED", "PROCESSED", "PROCESSED"]);
      assert.deepEqual(slow.received, ["F1", "F2", "F3"]);
    });

    it("a throwing router or a hung handler errors only its own message", async () => {
      const sink = new Downstream(ok);
      const route: RouteFn = async (inbound, input) => {
        if (input.controlId === "BADROUTE") throw new Error("router bug");
        return routeToH(inbound, input);
      };
      const inner = sendTo("OB_A");
      const transform: TransformFn = (handler, input) =>
        input.controlId === "HANG" ? new Promise(() => {}) : inner(handler, input);
      // Room for a loaded machine: only HANG may hit the timeout.
      run({ route, transform, outbounds: { OB_A: sink }, callTimeoutMs: 300 });
      const ids = await send("G1", "BADROUTE", "HANG", "G2", "UNROUTED1", "FILTER1");
      await settle(ids, ["PROCESSED", "ERROR", "ERROR", "PROCESSED", "UNROUTED", "FILTERED"]);
      assert.deepEqual(sink.received, ["G1", "G2"]);
      assert.match((await t.store.getMessage(ids[1] ?? 0))?.error ?? "", /router failed: Error: router bug/);
      assert.match((await t.store.getMessage(ids[2] ?? 0))?.error ?? "", /did not finish within 300 ms/);
    });

    it("a hung handler stalls neither its sibling handlers nor later messages for them", async () => {
      let open: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const fast = new Downstream(ok);
      const slow = new Downstream(ok);
      const inner = { fast: sendTo("OB_FAST"), slow: sendTo("OB_SLOW") };
      const transform: TransformFn = async (handler, input) => {
        if (handler === "slow") await gate;
        return inner[handler as "fast" | "slow"](handler, input);
      };
      const route: RouteFn = async () => ({ handlers: ["fast", "slow"] });
      run({ route, transform, outbounds: { OB_FAST: fast, OB_SLOW: slow } });
      const first = await send("H1", "H2");
      await eventually(() => fast.received.length === 2, "the fast handler's first batch delivered");
      // Messages arriving while "slow" still hangs on its first batch flow through "fast" too.
      const later = await send("H3");
      await eventually(() => fast.received.length === 3, "the fast handler's later message delivered");
      assert.deepEqual(slow.received, []);
      open();
      const ids = [...first, ...later];
      await settle(ids, ["PROCESSED", "PROCESSED", "PROCESSED"]);
      assert.deepEqual(fast.received, ["H1", "H2", "H3"]);
      assert.deepEqual(slow.received, ["H1", "H2", "H3"]);
    });

    it("runs a handler's transform in the routing step while the transform worker holds none of its rows, keeping its order", async () => {
      let open: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const sink = new Downstream(ok);
      const handler = sendTo("OB_A");
      // Messages whose control id starts with SLOW behave as an async handler: left to the transform worker.
      const route: RouteFn = async (_inbound, input, fuse) => {
        if (input.controlId?.startsWith("SLOW") || !fuse?.("h")) return { handlers: ["h"] };
        return { handlers: ["h"], transformed: new Map([["h", await handler("h", input)]]) };
      };
      const transformed: string[] = [];
      const transform: TransformFn = async (h, input) => {
        transformed.push(input.controlId ?? "");
        if (input.controlId?.startsWith("SLOW")) await gate;
        return handler(h, input);
      };
      const link = new TransformLink();
      run({ route, transform, outbounds: { OB_A: sink }, link });
      assert.equal(link.fusable("h"), false, "not before the transform worker's first claim caught it up");
      await eventually(() => link.fusable("h"), "the transform worker caught up");
      const first = await send("F1", "F2", "SLOW3", "F4", "F5");
      await eventually(
        () => sink.received.length === 2 && transformed.length > 0,
        "F1, F2 delivered; SLOW3 runs",
      );
      // F4 and F5 wait behind SLOW3 in the transform worker: run in the routing step they would overtake it.
      assert.equal(link.fusable("h"), false, "refused while a row of the handler is running");
      assert.deepEqual(sink.received, ["F1", "F2"]);
      await eventually(
        async () => (await t.query("SELECT id FROM stage_rows WHERE stage = 'routed'")).length === 5,
        "all five routed",
      );
      open();
      await settle(
        first,
        first.map(() => "PROCESSED"),
      );
      await eventually(() => link.fusable("h"), "the transform worker is idle again");
      const later = await send("F6", "F7");
      await settle(later, ["PROCESSED", "PROCESSED"]);
      assert.deepEqual(sink.received, ["F1", "F2", "SLOW3", "F4", "F5", "F6", "F7"]);
      assert.deepEqual(transformed, ["SLOW3", "F4", "F5"]);
      const routed = await t.query(
        "SELECT state, claimed_by FROM stage_rows WHERE stage = 'routed' AND handler = 'h' ORDER BY id",
      );
      assert.equal(routed.length, 7);
      assert.ok(
        routed.every((r) => r.state === "done"),
        "every routed row closed",
      );
    });

    it("a long routing batch gives the event loop turns, so intake's ACKs are not held behind it", async () => {
      // Queued before the workers start: the router's first claim takes all 20 in one batch.
      const ids = await send(...Array.from({ length: 20 }, (_, i) => `L${i}`));
      let routed = 0;
      let turnsMidBatch = 0;
      const route: RouteFn = async (inbound, input) => {
        const until = performance.now() + 1;
        while (performance.now() < until) {
          // A router doing a millisecond of work.
        }
        routed++;
        return routeToH(inbound, input);
      };
      const ticker = setInterval(() => {
        if (routed > 0 && routed < ids.length) turnsMidBatch++;
      }, 0);
      try {
        const sink = new Downstream(ok);
        run({ route, outbounds: { OB_A: sink } });
        await settle(
          ids,
          ids.map(() => "PROCESSED"),
        );
        assert.equal(sink.received.length, ids.length);
      } finally {
        clearInterval(ticker);
      }
      // 20 ms of routing in one batch: without turns in between, a timer (or an ACK) waits for all of it.
      assert.ok(turnsMidBatch >= 2, `timer turns while the batch was routed: ${turnsMidBatch}`);
    });

    it(`a router behind a backlog takes it ${STAGE_BATCH} rows per transaction`, async () => {
      const ids = await send(...Array.from({ length: STAGE_BATCH + 44 }, (_, i) => `K${i}`));
      let open: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const route: RouteFn = async (inbound, input) => {
        await gate;
        return routeToH(inbound, input);
      };
      run({ route, outbounds: { OB_A: new Downstream(ok) } });
      const ingress = async () => (await t.store.stats()).depth.find((d) => d.stage === "ingress");
      await eventually(async () => (await ingress())?.claimed === STAGE_BATCH, "the router's first claim");
      assert.equal((await ingress())?.pending, 44);
      open();
      await settle(
        ids,
        ids.map(() => "PROCESSED"),
      );
    });

    it("keeps arrival order through routing and transforms when the in-memory handoff overflows", async () => {
      const sink = new Downstream(ok);
      let overflows = 0;
      // Count the store's overflow signals (the handoff fast path, on both stores).
      const attach = t.store.attachHandoff?.bind(t.store);
      if (attach) {
        t.store.attachHandoff = (stage, conn, target) =>
          attach(stage, conn, {
            ...target,
            room: () => target.room(),
            take: (rows, at) => target.take(rows, at),
            overflow: () => {
              overflows++;
              target.overflow();
            },
          });
      }
      const slowRoute: RouteFn = async (inbound, input) => {
        await new Promise((r) => setTimeout(r, 2));
        return routeToH(inbound, input);
      };
      const common = { store: t.store, pollMs: 200, callTimeoutMs: 30_000, batchSize: 4, inboxCapacity: 3 };
      workers.push(startRouterWorker("IB_TEST", slowRoute, common));
      workers.push(startTransformWorker("IB_TEST", sendTo("OB_A"), common));
      workers.push(
        startDeliveryWorker("OB_A", sink.deliver, { store: t.store, pollMs: 200, retry: FAST_RETRY }),
      );
      const cids = Array.from({ length: 60 }, (_, i) => `O${i}`);
      const intake = createIntake(t.store);
      // Waves of concurrent arrivals (a group commit each), faster than the 2 ms router: the inbox
      // fills up, and later waves arrive while earlier rows still wait in the store.
      const ids: number[] = [];
      for (let w = 0; w < cids.length; w += 10) {
        const wave = cids.slice(w, w + 10).map((c) => intake.receive("IB_TEST", buf(adt(c))));
        for (const r of await Promise.all(wave)) ids.push(r.messageId);
      }
      await settle(
        ids,
        ids.map(() => "PROCESSED"),
      );
      assert.deepEqual(sink.received, cids);
      if (attach) assert.ok(overflows > 0, "the inbox overflowed at least once");
    });

    it("keeps arrival order when a message is written pending while the router's first claim runs (a handover)", async () => {
      const sink = new Downstream(ok);
      // P0: left pending by an earlier run (a crash, or the leader before a cluster handover).
      const ids = await send("P0");
      // P1 arrives while the new router's first claim is in flight: its inbox is still behind, so P1
      // is written pending — after the claim's snapshot, which returns P0 alone.
      const claimIngress = t.store.claimIngress.bind(t.store);
      let firstClaim = true;
      t.store.claimIngress = async (inbound, opts) => {
        const rows = await claimIngress(inbound, opts);
        if (firstClaim) {
          firstClaim = false;
          ids.push(...(await send("P1")));
        }
        return rows;
      };
      // P2 arrives while P0 is being routed: it must not overtake P1, still pending in the store.
      const route: RouteFn = async (inbound, input) => {
        if (input.controlId === "P0") ids.push(...(await send("P2")));
        return routeToH(inbound, input);
      };
      run({ route, outbounds: { OB_A: sink } });
      await eventually(() => ids.length === 3, "P1 and P2 arrived");
      await settle(ids, ["PROCESSED", "PROCESSED", "PROCESSED"]);
      assert.deepEqual(sink.received, ["P0", "P1", "P2"]);
    });

    for (const when of ["queued before the workers start", "handed to running workers"] as const) {
      it(`never runs a handler on a row whose claim lease has run out (${when})`, async () => {
        const expired: number[] = [];
        const inner = sendTo("OB_A");
        const transform: TransformFn = async (handler, input) => {
          await new Promise((r) => setTimeout(r, 25));
          const rows = await t.query(
            "SELECT lease_until FROM stage_rows WHERE message_id = ? AND stage = 'routed'",
            input.messageId,
          );
          if (Number(rows[0]?.lease_until) <= Date.now()) expired.push(input.messageId);
          return inner(handler, input);
        };
        const sink = new Downstream(ok);
        // A row may start until 480 ms into an 800 ms lease (lease − call timeout − margin); 40 rows of
        // ≥ 25 ms outlast it, so rows are released and claimed again. The 160 ms call timeout leaves a
        // loaded machine room for the 25 ms transform (a timed-out transform would not be PROCESSED).
        const common = { store: t.store, pollMs: 200, callTimeoutMs: 160, leaseMs: 800 };
        const cids = Array.from({ length: 40 }, (_, i) => `LEASE${i}`);
        const before = when === "queued before the workers start" ? await send(...cids) : [];
        workers.push(startRouterWorker("IB_TEST", routeToH, common));
        workers.push(startTransformWorker("IB_TEST", transform, common));
        workers.push(
          startDeliveryWorker("OB_A", sink.deliver, { store: t.store, pollMs: 200, retry: FAST_RETRY }),
        );
        const ids = before.length > 0 ? before : await send(...cids);
        await settle(
          ids,
          ids.map(() => "PROCESSED"),
          20_000,
        );
        assert.deepEqual(expired, []);
        assert.deepEqual(sink.received, cids);
      });
    }

    it("replays a dead letter once the destination is fixed", async () => {
      const sink = new Downstream(() => ({ status: "permanent", error: "AR" }));
      run({ outbounds: { OB_A: sink } });
      const ids = await send("REPLAY1");
      await settle(ids, ["ERROR"]);
      sink.setAnswer(ok);
      assert.equal(await t.store.replayMessage(ids[0] ?? 0), true);
      await settle(ids, ["PROCESSED"]);
      assert.deepEqual(sink.received, ["REPLAY1"]);
      const m = await t.store.getMessage(ids[0] ?? 0);
      assert.equal(m?.run, 2);
    });

    it("stops cleanly mid-lane, leaving no row claimed, and resumes in order", async () => {
      let calls = 0;
      const sink = new Downstream(async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 5));
        return ok();
      });
      run({ outbounds: { OB_A: sink } });
      const cids = Array.from({ length: 40 }, (_, i) => `S${i}`);
      const ids = await send(...cids);
      await eventually(() => calls >= 3, "some deliveries started");
      await Promise.all(workers.map((w) => w.stop()));
      workers = [];
      const claimed = await t.query("SELECT count(*) AS n FROM stage_rows WHERE state = 'claimed'");
      assert.equal(Number(claimed[0]?.n), 0);
      run({ outbounds: { OB_A: sink } });
      await settle(
        ids,
        ids.map(() => "PROCESSED"),
      );
      assert.deepEqual(sink.received, cids);
    });
  });
}
