/** The connections editor with a database connection: its fields, the statements map, the secret password. */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { fieldsFor, parseInput, transportsFor, validateConnection } from "../src/model/connection-form.js";
import type { FormConnection } from "../src/protocol/connectionsEditor.js";

const base: FormConnection = {
  direction: "outbound",
  index: 0,
  name: "OB_CHART_DB",
  transport: "database",
  settings: {
    host: "127.0.0.1",
    database: "chart",
    user: "engine",
    password: { env: "chart_db_password" },
    statements: { insert_adt: "INSERT INTO adt (mrn) VALUES (:mrn)" },
  },
  fields: {},
  line: 1,
};

describe("connection-form: database", () => {
  it("offers database in both directions, with its settings and per-direction requirements", () => {
    assert.ok(transportsFor("inbound").includes("database"));
    assert.ok(transportsFor("outbound").includes("database"));
    const out = fieldsFor("outbound", "database").filter((s) => s.group === "settings");
    const req = (specs: typeof out) => specs.filter((s) => s.required).map((s) => s.key);
    assert.deepEqual(req(out), ["host", "database", "user", "statements"]);
    assert.deepEqual(req(fieldsFor("inbound", "database").filter((s) => s.group === "settings")), [
      "host",
      "database",
      "user",
      "query",
    ]);
    assert.equal(out.find((s) => s.key === "password")?.secret, true);
    assert.ok(out.some((s) => s.key === "tls" && s.schema.properties?.ca));
  });

  it("takes the statements map as a JSON object and checks it", () => {
    const statements = fieldsFor("outbound", "database").find((s) => s.key === "statements")!.schema;
    assert.deepEqual(parseInput(statements, '{"upsert": "INSERT INTO t VALUES (:a)"}'), {
      value: { upsert: "INSERT INTO t VALUES (:a)" },
    });
    assert.deepEqual(parseInput(statements, "INSERT INTO t"), {
      error: 'must be a JSON object, e.g. {"name": "value"}',
    });
    assert.deepEqual(validateConnection(base, [base], ["chart_db_password"]), []);
    const bad = { ...base, settings: { ...base.settings, statements: { insert_adt: 42 }, password: "pw" } };
    assert.deepEqual(
      validateConnection(bad, [bad], ["chart_db_password"]).map((i) => i.path),
      ["settings.statements.insert_adt", "settings.password"],
    );
    const noStatements = { ...base, settings: { host: "h", database: "d", user: "u" } };
    assert.deepEqual(validateConnection(noStatements, [noStatements]), [
      { path: "settings.statements", message: "is required for an outbound" },
    ]);
  });
});
