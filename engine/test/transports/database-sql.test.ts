/** Named parameters and error mapping of the database connector (pure functions). */
import assert from "node:assert/strict";
import {
  bindParams,
  classifyDbError,
  compileSql,
  dbErrorText,
  parseDelivery,
  redactValues,
} from "../../src/transports/database-sql.js";

describe("database connector: SQL and errors", () => {
  it("compiles :named params per dialect, leaving quotes, comments, casts and := alone", () => {
    const sql =
      "INSERT INTO t (a, b, c) VALUES (:mrn, ':not', :when::timestamptz) -- :gone\n/* :gone */ RETURNING \"x:y\", :mrn";
    assert.deepEqual(compileSql(sql, "postgres"), {
      text: "INSERT INTO t (a, b, c) VALUES ($1, ':not', $2::timestamptz) -- :gone\n/* :gone */ RETURNING \"x:y\", $1",
      names: ["mrn", "when"],
    });
    assert.deepEqual(compileSql("SET @n := 1; SELECT `a:b`, :mrn, 'it''s :x', :mrn", "mysql"), {
      text: "SET @n := 1; SELECT `a:b`, ?, 'it''s :x', ?",
      names: ["mrn", "mrn"],
    });
    assert.deepEqual(compileSql("UPDATE t SET a = $1 WHERE b = $2", "postgres"), {
      text: "UPDATE t SET a = $1 WHERE b = $2",
    });
  });

  it("binds params by name (all given, no others) or by position; objects go as JSON text", () => {
    const named = compileSql("INSERT INTO t VALUES (:a, :b, :a)", "mysql");
    assert.deepEqual(bindParams("s", named, { a: 1, b: { x: [1] } }), [1, '{"x":[1]}', 1]);
    assert.throws(() => bindParams("s", named, { a: 1 }), /missing param :b/);
    assert.throws(() => bindParams("s", named, { a: 1, b: 2, c: 3 }), /unknown param :c/);
    assert.throws(() => bindParams("s", named, [1, 2]), /named params/);
    const positional = compileSql("INSERT INTO t VALUES (?, ?)", "mysql");
    assert.deepEqual(bindParams("s", positional, ["x", null]), ["x", null]);
    assert.throws(() => bindParams("s", positional, { a: 1 }), /positional params/);
  });

  it("reads a delivery: one { statement, params } or a list; anything else is refused", () => {
    assert.deepEqual(parseDelivery(Buffer.from('{"statement":"a","params":{"x":1}}')), [
      { statement: "a", params: { x: 1 } },
    ]);
    assert.equal(parseDelivery(Buffer.from('[{"statement":"a"},{"statement":"b","params":[]}]')).length, 2);
    assert.throws(() => parseDelivery(Buffer.from("[]")), /empty/);
    assert.throws(() => parseDelivery(Buffer.from('{"sql":"DROP TABLE t"}')), /no statement name/);
    assert.throws(() => parseDelivery(Buffer.from('{"statement":"a","sql":"x"}')), /unknown key sql/);
  });

  it("maps driver errors: contention and connection trouble retry, the statement's own faults are permanent", () => {
    const pg = (code: string) => classifyDbError("postgres", Object.assign(new Error("x"), { code }));
    for (const code of ["40001", "40P01", "55P03", "53300", "08006", "57P01", "ECONNREFUSED"])
      assert.equal(pg(code), "retry", code);
    for (const code of ["42601", "23505", "23502", "22P02", "42P01"])
      assert.equal(pg(code), "permanent", code);
    const my = (code: string, extra = {}) =>
      classifyDbError("mysql", Object.assign(new Error("x"), { code, ...extra }));
    for (const code of ["ER_LOCK_DEADLOCK", "ER_LOCK_WAIT_TIMEOUT", "ER_CON_COUNT_ERROR", "ECONNRESET"])
      assert.equal(my(code), "retry", code);
    assert.equal(my("ER_PARSE_ERROR", { sqlState: "42000" }), "permanent");
    assert.equal(my("ER_DUP_ENTRY", { sqlState: "23000" }), "permanent");
    assert.equal(my("ER_DUP_ENTRY", { fatal: true }), "retry", "a fatal error lost the connection");
  });

  it("keeps values the drivers quote out of error texts (they are logged), names stay", () => {
    assert.equal(
      redactValues("Duplicate entry 'TEST841040' for key 'PRIMARY'"),
      "Duplicate entry … for key 'PRIMARY'",
    );
    assert.equal(
      redactValues("Incorrect integer value: 'abc' for column `n` at row 1"),
      "Incorrect integer value: … for column `n` at row 1",
    );
    assert.equal(
      redactValues('invalid input syntax for type integer: "SMITH"'),
      "invalid input syntax for type integer: …",
    );
    assert.equal(
      redactValues('value "99999999999" is out of range for type integer'),
      "value … is out of range for type integer",
    );
    assert.equal(
      redactValues('null value in column "family" of relation "patients" violates not-null constraint'),
      'null value in column "family" of relation "patients" violates not-null constraint',
    );
    assert.equal(
      dbErrorText(
        Object.assign(new Error("Duplicate entry 'M1' for key 'PRIMARY'"), { code: "ER_DUP_ENTRY" }),
      ),
      "ER_DUP_ENTRY: Duplicate entry … for key 'PRIMARY'",
    );
  });
});
