/**
 * The wizards with a database connection: the Route Wizard's database source and destination (a
 * statement whose params the handler takes from the message) load and type-check in the real engine,
 * and what the wizard cannot bind is refused before anything is written.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  appendToToml,
  generateConnection,
  generateRoute,
  type RouteAnswers,
  validateRoute,
} from "../src/wizard/model.js";
import { copySamples, type SampleCopy } from "./support/engineCli.js";

function answers(sql: string): RouteAnswers {
  return {
    inbound: {
      direction: "inbound",
      name: "IB_EHR_ADT",
      transport: "database",
      router: "ehr_adt_router",
      database: {
        dialect: "postgres",
        host: "env:ehr_db_host",
        database: "ehr",
        user: "engine",
        query: "SELECT id, message FROM outbox WHERE id > :mark ORDER BY id LIMIT 100",
        markColumn: "id",
      },
    },
    router: { name: "ehr_adt_router", messageTypes: ["ADT^A01"] },
    handlers: [{ name: "ehr_adt_to_chart", mappings: [], outbounds: ["OB_CHART_DB"] }],
    newOutbounds: [
      {
        direction: "outbound",
        name: "OB_CHART_DB",
        transport: "database",
        database: {
          dialect: "mysql",
          host: "127.0.0.1",
          port: 3306,
          database: "chart",
          user: "engine",
          passwordEnv: "chart_db_password",
          statement: { name: "insert_message", sql },
        },
      },
    ],
    moduleFile: "ehr_adt.ts",
  };
}

describe("wizards: database connections", () => {
  let samples: SampleCopy;
  beforeEach(() => {
    samples = copySamples();
  });
  afterEach(() => samples.remove());

  it("writes a database source and a destination whose handler sends dbStatement(...) — and the engine checks it clean", async () => {
    const a = answers(
      "INSERT INTO messages (control_id, type, body) VALUES (:controlId, :messageType, :body)",
    );
    assert.deepEqual(validateRoute(a, undefined), []);
    const files = generateRoute(a);
    assert.match(
      files.module.text,
      /send\("OB_CHART_DB", dbStatement\("insert_message", \{ controlId: msg\.controlId \?\? "", messageType: msg\.messageType, body: msg\.encode\(\) \}\)\)/,
    );
    assert.equal(
      generateConnection(a.newOutbounds[0]!),
      [
        "",
        "[[outbound]]",
        'name = "OB_CHART_DB"',
        'transport = "database"',
        "[outbound.settings]",
        'dialect = "mysql"',
        'host = "127.0.0.1"',
        "port = 3306",
        'database = "chart"',
        'user = "engine"',
        'password = { env = "chart_db_password" }',
        "[outbound.settings.statements]",
        'insert_message = "INSERT INTO messages (control_id, type, body) VALUES (:controlId, :messageType, :body)"',
        "",
      ].join("\n"),
    );
    writeFileSync(join(samples.configDir, files.module.path), files.module.text);
    const tomlPath = join(samples.configDir, "connections.toml");
    const before = readFileSync(tomlPath, "utf8");
    writeFileSync(tomlPath, before + appendToToml(before, files.tomlAppend));
    const devToml = join(samples.configDir, "environments", "dev.toml");
    writeFileSync(devToml, `${readFileSync(devToml, "utf8")}ehr_db_host = "127.0.0.1"\n`);

    // The password comes only from the engine's environment (the CLI child inherits this one).
    process.env.MEFOR_VALUE_CHART_DB_PASSWORD = "s3cret";
    const check = await samples
      .run(["check", "--config", ".", "--env", "dev", "--json"])
      .finally(() => delete process.env.MEFOR_VALUE_CHART_DB_PASSWORD);
    const report = JSON.parse(check.stdout) as { ok: boolean; problems: { message: string }[] };
    assert.deepEqual(report.problems, [], check.stderr);
    assert.equal(report.ok, true);
  });

  it("refuses a statement whose params the wizard cannot take from the message, and incomplete settings", () => {
    const a = answers("INSERT INTO patients (mrn) VALUES (:mrn)");
    const messages = validateRoute(a, undefined).map((i) => i.message);
    assert.deepEqual(messages, [
      "OB_CHART_DB: the Route Wizard fills :controlId, :messageType, :body from the message, not :mrn; add the statement in connections.toml and bind it in the handler yourself.",
    ]);
    const broken = answers("INSERT INTO t (b) VALUES (:body)");
    broken.inbound.database = { ...broken.inbound.database!, query: "SELECT * FROM outbox", user: "" };
    assert.deepEqual(
      validateRoute(broken, undefined).map((i) => i.message),
      [
        "IB_EHR_ADT: a user is required.",
        "IB_EHR_ADT: the query reads the high-water mark as :mark (e.g. WHERE id > :mark).",
      ],
    );
  });
});
