/** The tee's log file: what opening an existing one does (and does not do) to it. */
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { after, describe, it } from "mocha";
import { plainCodec } from "../../src/store/index.js";
import { TeeLog } from "../../src/tee/index.js";
import { adt, tempDir } from "../runtime/helpers.js";

describe("tee log", () => {
  const t = tempDir();
  after(() => t.cleanup());

  it("a listing opens a running relay's log without a write: it does not wait for the relay's write lock", () => {
    const path = join(t.dir, "tee.db");
    const relay = new TeeLog(path, plainCodec());
    const writer = new Database(path);
    try {
      const id = relay.record({ conn: 1, body: Buffer.from(adt("LOG001")), controlId: "LOG001" });
      relay.settle(id, "legacy", { status: "unreachable", error: "ECONNREFUSED" });
      relay.answered(id, "AE");
      // A write in progress (as the relay's own commits are): a listing that wrote would wait for it.
      writer.exec("BEGIN IMMEDIATE");
      // (One that wrote would wait out the busy timeout, then fail: "database is locked".)
      const reader = new TeeLog(path, plainCodec(), { create: false });
      try {
        assert.deepEqual(
          [...reader.frames({ naks: true })].map((f) => [f.controlId, f.legacy.status, f.upstreamCode]),
          [["LOG001", "unreachable", "AE"]],
        );
      } finally {
        reader.close();
      }
    } finally {
      if (writer.inTransaction) writer.exec("ROLLBACK");
      writer.close();
      relay.close();
    }
  });

  it("refuses a file that is not a tee log, saying which file to give", () => {
    const path = join(t.dir, "other.db");
    new Database(path).exec("CREATE TABLE other (x)").close();
    assert.throws(() => new TeeLog(path, plainCodec(), { create: false }), /not a tee log .*`tee run` wrote/);
  });
});
