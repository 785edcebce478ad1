/**
 * A client checked out of the pool whose connection the server ends while the client is out (a
 * failover's pg_terminate_backend, an administrator): heard, not a crash (store/pg-connection.ts).
 * Against the machine's real PostgreSQL.
 */
import assert from "node:assert/strict";
import { postgresUrl } from "@messagefoundry/test-services";
import pg from "pg";
import { checkOut } from "../../src/store/pg-connection.js";
import { eventually } from "./helpers.js";

describe("checkOut: a pooled client the server disconnects while it is checked out", () => {
  let pool: pg.Pool;
  beforeEach(() => {
    pool = new pg.Pool({ connectionString: postgresUrl(), max: 3 });
    pool.on("error", () => undefined);
  });
  afterEach(() => pool.end());

  it("does not end the process; the next statement fails, and the pool goes on with a new connection", async () => {
    const c = await checkOut(pool);
    const pid = Number((await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid);
    // Between two statements of the checked-out client, as when a paused leader resumes after failover.
    await pool.query("SELECT pg_terminate_backend($1)", [pid]);
    await eventually(async () => {
      const r = await pool.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1", [pid]);
      return r.rows[0]?.n === 0;
    }, "the backend to go");
    // Let the server's FATAL reach the client: unheard, its 'error' event would be an uncaught exception.
    await new Promise((r) => setTimeout(r, 200));
    await assert.rejects(c.query("SELECT 1"));
    c.release(true);
    assert.equal(c.listenerCount("error"), 1, "released: only the pool's own listener is left");
    assert.equal((await pool.query<{ one: number }>("SELECT 1 AS one")).rows[0]?.one, 1);
  });

  it("a client released in good health goes back to the pool without the listener", async () => {
    const c = await checkOut(pool);
    await c.query("SELECT 1");
    c.release();
    const again = await checkOut(pool);
    assert.equal(again, c, "the pool hands the same connection out again");
    assert.equal(again.listenerCount("error"), 1, "one listener while checked out, not one per checkout");
    again.release();
  });
});
