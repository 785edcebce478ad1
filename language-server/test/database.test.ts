/** The database transport in the editor: its settings completed and checked, with positions. */
import assert from "node:assert/strict";
import { TRANSPORT_SCHEMAS } from "messagefoundry/graph";
import type { CompletionItem } from "vscode-languageserver";
import { check, type TestClient } from "./harness.js";

const DB_OUTBOUND = `
[[outbound]]
name = "OB_EHR_DB"
transport = "database"

[outbound.settings]
host = "127.0.0.1"
database = "ehr"
user = "engine"
password = { env = "ehr_db_password" }
statements = { insert_adt = "INSERT INTO adt (mrn) VALUES (:mrn)" }
`;

describe("language server: database connections", () => {
  let client: TestClient;
  let toml: string;
  before(async () => {
    client = await check("basic", {}, (c) => c.open("connections.toml"));
    toml = client.readDisk("connections.toml");
  });
  after(() => client.stop());

  it("checks a database connection's settings as they are typed, at the offending place", async () => {
    const bad = `${toml}${DB_OUTBOUND.replace('user = "engine"', 'user = "engine"\nport = 99999\nhots = "x"')}`;
    await client.change("connections.toml", bad);
    const lines = bad.split("\n");
    const portLine = lines.findIndex((l) => l.startsWith("port = 99999")) + 1;
    const hotsLine = lines.findIndex((l) => l.startsWith("hots")) + 1;
    const nameLine = lines.indexOf('name = "OB_EHR_DB"') + 1;
    await client.settle({
      "connections.toml": [
        `${nameLine}:9-${nameLine}:18 MF-UNREACHABLE outbound "OB_EHR_DB" is not reached by any handler`,
        `${portLine}:8-${portLine}:13 MF-SETTINGS-SCHEMA outbound "OB_EHR_DB" (database): setting port must be ≤ 65535`,
        // A misspelt key is reported at its value, as for every transport.
        `${hotsLine}:9-${hotsLine}:10 MF-SETTINGS-SCHEMA outbound "OB_EHR_DB" (database): setting hots is not a known setting (did you mean "host"?)`,
      ],
    });
    await client.change("connections.toml", toml);
    await client.settle({});
  });

  it("completes the database settings not yet written", async () => {
    const marked = `${toml}${DB_OUTBOUND.replace('user = "engine"\n', 'user = "engine"\n|\n')}`;
    await client.change("connections.toml", marked.replace("|", ""));
    const items = await client.request<CompletionItem[]>("textDocument/completion", {
      textDocument: { uri: client.uri("connections.toml") },
      position: client.position("connections.toml", "|", 0, marked),
    });
    const all: Record<string, unknown> = TRANSPORT_SCHEMAS.database.properties;
    const written = ["host", "database", "user", "password", "statements"];
    assert.deepEqual(
      items.map((i) => i.label),
      Object.keys(all).filter((k) => !written.includes(k)),
    );
    await client.change("connections.toml", toml);
  });
});
