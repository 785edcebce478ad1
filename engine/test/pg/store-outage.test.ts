/**
 * Which errors mean "the store is away" (hold the frame, back off) and which are real failures: the
 * codes node, node-postgres and PostgreSQL report for a lost or refused connection, through `cause`.
 */
import assert from "node:assert/strict";
import { isStoreUnavailable, StoreUnavailableError } from "../../src/pipeline/index.js";

function coded(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

describe("store outage: which errors mean the store is away", () => {
  it("connection errors, PostgreSQL shutdown/connection SQLSTATEs and node-postgres' lost connections", () => {
    for (const e of [
      coded("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"),
      coded("read ECONNRESET", "ECONNRESET"),
      coded("terminating connection due to administrator command", "57P01"),
      coded("the database system is starting up", "57P03"),
      coded("connection failure", "08006"),
      coded("sorry, too many clients already", "53300"),
      coded("Connection terminated unexpectedly"),
      coded("Client has encountered a connection error and is not queryable"),
      new Error("commit failed", { cause: coded("write EPIPE", "EPIPE") }),
      new StoreUnavailableError(1000, undefined),
    ])
      assert.equal(isStoreUnavailable(e), true, e.message);
  });

  it("not a wrong statement, a constraint, a busy SQLite file or a closed store", () => {
    for (const e of [
      coded('syntax error at or near "SELEC"', "42601"),
      coded("duplicate key value violates unique constraint", "23505"),
      coded("database is locked", "SQLITE_BUSY"),
      coded("Cannot use a pool after calling end on the pool"),
      new TypeError("x is undefined"),
      "a string",
    ])
      assert.equal(isStoreUnavailable(e), false, String(e));
  });
});
