/**
 * The MariaDB service's fresh-machine path: its own mariadbd in a temp dir on a free port, which this
 * machine never needs (it runs a server on 3306), so the suites would never exercise it.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import mysql from "mysql2/promise";
import { mariadbService } from "../src/index.js";

describe("test services: MariaDB", () => {
  it("starts its own mariadbd in a temp dir on a free port, lets root in, and removes it when stopped", async function () {
    this.timeout(180_000);
    const before = throwawayDirs();
    const found = await mariadbService.provide();
    try {
      assert.equal(throwawayDirs().length, before.length + 1, "its data folder is in the temporary folder");
      const url = new URL(found.value);
      assert.notEqual(url.port, "3306", "never the machine's own server");
      const c = await mysql.createConnection({ uri: found.value });
      await c.query("CREATE DATABASE provided_check");
      await c.query("CREATE TABLE provided_check.t (n INT)");
      await c.query("INSERT INTO provided_check.t VALUES (41), (1)");
      const [rows] = await c.query("SELECT sum(n) AS total, version() AS v FROM provided_check.t");
      await c.end();
      const [row] = rows as { total: string; v: string }[];
      assert.equal(Number(row?.total), 42);
      assert.match(row?.v ?? "", /MariaDB/);
    } finally {
      await found.stop?.();
    }
    await assert.rejects(
      mysql.createConnection({ uri: found.value, connectTimeout: 2_000 }),
      "the server is gone after stop",
    );
    assert.deepEqual(throwawayDirs(), before, "its data folder is removed");
  });
});

function throwawayDirs(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith("mefor-test-mariadb-"));
}
