/**
 * Encryption at rest on PostgreSQL: a marker sent in messages, in error texts and in destination
 * replies (every state a message can end in) is readable through the store with its key, and appears
 * nowhere in the database: not in any column of any table, nor in a pg_dump of the schema (as text or
 * as bytea hex).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { pgDumpPath } from "@messagefoundry/test-services";
import { aesGcmCodec, makeStoreKey, openPgStore, type PgStore } from "../../src/store/index.js";
import { type TestSchema, testSchema, urlParts } from "../support/pg-schema.js";
import { pilotTraffic } from "../support/pilot-traffic.js";

const exec = promisify(execFile);

/** Every form a value of a row can be searched in: text, and bytea as latin1. */
function textOf(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString("latin1");
  return value === null || value === undefined ? "" : String(value);
}

describe("PostgreSQL: encryption at rest", function () {
  this.timeout(60_000);
  let schema: TestSchema;
  let store: PgStore | undefined;
  let pgDump: string;
  before(async function () {
    this.timeout(300_000); // a first run may install postgresql-client
    pgDump = await pgDumpPath();
  });
  beforeEach(async () => {
    schema = await testSchema();
  });
  afterEach(async () => {
    await store?.close();
    await schema.drop();
  });

  it("a marker in messages, errors and replies never appears in the database or its dump", async () => {
    const marker = `ZZMARK${randomBytes(4).toString("hex").toUpperCase()}`;
    store = await openPgStore({
      connectionString: schema.url,
      schema: schema.name,
      codec: aesGcmCodec(makeStoreKey(randomBytes(32))),
    });
    const { messages } = await pilotTraffic(store, marker);
    // The marker is there, readable with the key: the checks below look for something that exists.
    const bodies = await Promise.all(messages.map((m) => store?.getMessageRaw(m.id)));
    assert.ok(bodies.every((b) => b?.includes(marker)));
    const errored = messages.filter((m) => m.disposition === "ERROR");
    assert.ok(errored.length > 0);
    const details = await Promise.all(errored.map((m) => store?.getMessage(m.id)));
    assert.ok(
      details.some((d) => JSON.stringify(d).includes(marker)),
      "an error text carries the marker",
    );

    // Every column of every table of the schema.
    const tables = await schema.client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
      [schema.name],
    );
    const counts: Record<string, number> = {};
    for (const { table_name } of tables.rows) {
      const rows = await schema.client.query(`SELECT * FROM "${table_name}"`);
      counts[table_name] = rows.rowCount ?? 0;
      for (const row of rows.rows)
        for (const [column, value] of Object.entries(row))
          assert.ok(!textOf(value).includes(marker), `${table_name}.${column} holds the marker in clear`);
    }
    assert.ok(
      (counts.messages ?? 0) >= messages.length && (counts.events ?? 0) > 0 && (counts.stage_rows ?? 0) > 0,
    );

    // pg_dump of the schema: the marker neither as text nor as bytea's hex.
    const { host, port, user, database, password } = urlParts(schema.url);
    const { stdout } = await exec(
      pgDump,
      ["--no-password", "-h", host, "-p", String(port), "-U", user, "-n", schema.name, database],
      { env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) }, maxBuffer: 256 << 20 },
    );
    assert.match(stdout, new RegExp(`COPY ${schema.name}\\.messages `));
    assert.ok(!stdout.includes(marker), "the dump holds the marker as text");
    assert.ok(
      !stdout.includes(Buffer.from(marker, "latin1").toString("hex")),
      "the dump holds the marker as bytea",
    );
  });
});
