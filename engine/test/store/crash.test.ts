import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { startDeliveryWorker, startRouterWorker, startTransformWorker } from "../../src/pipeline/index.js";
import { aesGcmCodec, parseStoreKey } from "../../src/store/index.js";
import { eventually, type TempStore, tempStore } from "./helpers.js";

const CHILD = fileURLToPath(new URL("./fixtures/crash-child.ts", import.meta.url));

describe("crash recovery (kill -9)", () => {
  let t: TempStore;
  afterEach(async () => {
    await t.cleanup();
  });

  it("every ACKed message survives, reaches exactly one final disposition and is delivered in lane order", async () => {
    const key = randomBytes(32).toString("base64");
    t = tempStore(aesGcmCodec(parseStoreKey(key)));
    await t.store.close();

    const acked: string[] = [];
    const sentBeforeCrash = new Set<string>();
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", CHILD, t.path], {
      env: { ...process.env, MEFOR_STORE_KEY: key },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    let buffered = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const [kind, cid = ""] = line.split(" ");
        if (kind === "ACK") acked.push(cid);
        else if (kind === "SENT") sentBeforeCrash.add(cid);
      }
      if (acked.length >= 400 && !child.killed) child.kill("SIGKILL");
    });
    assert.equal(await exited, "SIGKILL");

    // Restart: recover the dead process's claims and drain.
    const store = t.reopen();
    await store.recoverLeases({ all: true });
    const delivered: { cid: string; messageId: number }[] = [];
    const opts = { store, pollMs: 100 };
    const workers = [
      startRouterWorker("IB_CRASH", async () => ({ handlers: ["h"] }), opts),
      startTransformWorker(
        "IB_CRASH",
        async (_h, input) => ({ sends: [{ outbound: "OB_CRASH", payload: input.body }] }),
        opts,
      ),
      startDeliveryWorker(
        "OB_CRASH",
        async (_o, _p, meta) => {
          delivered.push({ cid: meta.controlId ?? "", messageId: Number(meta.messageId) });
          return { status: "ok" };
        },
        opts,
      ),
    ];
    try {
      await eventually(async () => (await store.stats()).depth.length === 0, "queues drained", 20_000);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }

    const messages = store.db
      .prepare("SELECT control_id AS controlId, disposition FROM messages WHERE inbound = 'IB_CRASH'")
      .all() as { controlId: string; disposition: string }[];
    assert.ok(messages.length >= acked.length);
    const byCid = new Map(messages.map((m) => [m.controlId, m]));
    for (const cid of acked) {
      const m = byCid.get(cid);
      assert.ok(m, `ACKed message ${cid} was lost`);
      assert.equal(m.disposition, "PROCESSED", `${cid} ended ${m.disposition}`);
      assert.ok(sentBeforeCrash.has(cid) || delivered.some((d) => d.cid === cid), `${cid} never delivered`);
    }
    // Count and log: every stored message has exactly one (final) disposition.
    assert.ok(messages.every((m) => m.disposition === "PROCESSED"));
    const c = (await store.stats()).connections.find((x) => x.conn === "IB_CRASH");
    assert.equal(c?.received, messages.length);
    assert.equal(c?.processed, messages.length);
    // The lane resumed in order.
    const ids = delivered.map((d) => d.messageId);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
  });
});
