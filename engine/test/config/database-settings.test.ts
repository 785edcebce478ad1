/** Database connections through the real loader: bad settings are reported at the offending place. */
import assert from "node:assert/strict";
import { after, describe, it } from "mocha";
import { loadConfig } from "../../src/config/index.js";
import { brief, cleanupConfigs, span, writeConfig } from "./helpers.js";

const IMPORTS = `import { database, dbStatement, env, handler, inbound, outbound, router, send } from "messagefoundry";\n`;
const CONN = `host: "127.0.0.1", database: "ehr", user: "engine", password: env("ehr_db_password")`;

function config(inboundSettings: string, outboundSettings: string): string {
  return `${IMPORTS}inbound("IB_EHR_ADT", database({ ${CONN}, ${inboundSettings} }), { router: "r_a", contentType: "json" });
router("r_a", () => ["h_a"]);
handler("h_a", (msg) => send("OB_EHR_DB", dbStatement("insert_adt", { mrn: "1" })));
outbound("OB_EHR_DB", database({ ${CONN}, ${outboundSettings} }));
`;
}

const GOOD_IN = `query: "SELECT * FROM outbox WHERE id > :mark ORDER BY id", markColumn: "id", markStart: "0"`;
const GOOD_OUT = `dialect: "postgres", poolSize: 2, statements: { insert_adt: "INSERT INTO adt (mrn) VALUES (:mrn)" }`;
const SECRET = { MEFOR_VALUE_EHR_DB_PASSWORD: "s3cret" };

async function problems(files: Record<string, string>, processEnv: Record<string, string> = SECRET) {
  const r = await loadConfig(writeConfig(files), { env: "dev", processEnv });
  return r.problems.map(brief);
}

describe("database connection settings (exact positions)", () => {
  after(cleanupConfigs);

  it("a clean database source and destination load without problems, password from MEFOR_VALUE_*", async () => {
    const dir = writeConfig({ "a.ts": config(GOOD_IN, GOOD_OUT), "environments/dev.toml": "" });
    const r = await loadConfig(dir, { env: "dev", processEnv: SECRET });
    assert.deepEqual(r.problems.map(brief), []);
    assert.equal(r.registry.outbounds.get("OB_EHR_DB")?.settings.password, "s3cret");
    assert.equal(r.registry.outbounds.get("OB_EHR_DB")?.transport, "database");
  });

  it("a password written as a literal is refused at the literal", async () => {
    const text = config(GOOD_IN, GOOD_OUT).replace(
      'outbound("OB_EHR_DB", database({ host: "127.0.0.1", database: "ehr", user: "engine", password: env("ehr_db_password")',
      'outbound("OB_EHR_DB", database({ host: "127.0.0.1", database: "ehr", user: "engine", password: "hunter2"',
    );
    const got = (await problems({ "a.ts": text, "environments/dev.toml": "" })).filter(
      (p) => !p.endsWith("MF-TYPECHECK"),
    );
    assert.ok(got.length >= 1, "reported");
    for (const p of got) assert.ok(p.startsWith(span("a.ts", text, '"hunter2"')), p);
  });

  it("bad values are MF-SETTINGS-SCHEMA at the value: a port out of range, an unknown dialect, a pool of 0", async () => {
    for (const [bad, needle] of [
      [`port: 70000, ${GOOD_OUT}`, "70000"],
      [`${GOOD_OUT.replace('"postgres"', '"oracle"')}`, '"oracle"'],
      [`${GOOD_OUT.replace("poolSize: 2", "poolSize: 0")}`, "0"],
      // A nested value is reported at its top-level setting's value.
      [`statements: { insert_adt: 42 }`, "{ insert_adt: 42 }"],
    ] as const) {
      const text = config(GOOD_IN, bad);
      const at = text.lastIndexOf(needle);
      const line = text.slice(0, at).split("\n").length;
      const col = at - text.lastIndexOf("\n", at - 1);
      const got = await problems({ "a.ts": text, "environments/dev.toml": "" });
      assert.deepEqual(
        got.filter((p) => p.endsWith("MF-SETTINGS-SCHEMA")),
        [`a.ts:${line}:${col}-${col + needle.length} MF-SETTINGS-SCHEMA`],
        bad,
      );
    }
  });

  it("a misspelt key is reported at the key; a source needs query, a destination statements", async () => {
    const typo = config(GOOD_IN.replace("markColumn", "markColum"), GOOD_OUT);
    const r = await loadConfig(writeConfig({ "a.ts": typo, "environments/dev.toml": "" }), {
      env: "dev",
      processEnv: SECRET,
    });
    const schema = r.problems.filter((p) => p.code === "MF-SETTINGS-SCHEMA");
    // At the misspelt key's value (where the TS loader records a setting's position).
    assert.deepEqual(schema.map(brief), [`${span("a.ts", typo, '"id"')} MF-SETTINGS-SCHEMA`]);
    assert.match(schema[0]?.message ?? "", /did you mean "markColumn"/);

    const missing = config("pollIntervalMs: 1000", "poolSize: 2");
    const r2 = await loadConfig(writeConfig({ "a.ts": missing, "environments/dev.toml": "" }), {
      env: "dev",
      processEnv: SECRET,
    });
    const messages = r2.problems.filter((p) => p.code === "MF-SETTINGS-SCHEMA").map((p) => p.message);
    assert.deepEqual(messages, [
      'inbound "IB_EHR_ADT" (database): setting query is required for an inbound',
      'outbound "OB_EHR_DB" (database): setting statements is required for an outbound',
    ]);
  });

  it("connections.toml: a database outbound's bad setting is positioned in the TOML", async () => {
    const toml = `[[outbound]]
name = "OB_TOML_DB"
transport = "database"
[outbound.settings]
host = "127.0.0.1"
database = "ehr"
user = "engine"
password = { env = "ehr_db_password" }
port = "5432"
[outbound.settings.statements]
insert_adt = "INSERT INTO adt (mrn) VALUES (:mrn)"
`;
    const got = await problems({
      "a.ts": config(GOOD_IN, GOOD_OUT),
      "connections.toml": toml,
      "environments/dev.toml": "",
    });
    assert.deepEqual(
      got.filter((p) => p.endsWith("MF-SETTINGS-SCHEMA")),
      [`${span("connections.toml", toml, '"5432"')} MF-SETTINGS-SCHEMA`],
    );
  });
});
