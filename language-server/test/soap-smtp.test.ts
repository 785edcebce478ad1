/** The language server knows the soap and smtp transports: positioned setting errors and completion. */
import assert from "node:assert/strict";
import { TRANSPORT_SCHEMAS } from "messagefoundry/graph";
import type { CompletionItem } from "vscode-languageserver";
import { check, type TestClient } from "./harness.js";

const EXTRA = `
[[outbound]]
name = "OB_SOAP_ADT"
transport = "soap"

[outbound.settings]
url = "https://partner.example/ws"
version = "1.3"
headers = { "X-Api-Key" = "literal" }

[[outbound]]
name = "OB_MAIL_ADT"
transport = "smtp"

[outbound.settings]
host = "mail.example"
from = "engine@example.org"
password = "pw"
`;

describe("language server: soap and smtp connections", () => {
  let client: TestClient | undefined;
  afterEach(async () => {
    await client?.stop();
    client = undefined;
  });

  it("positions bad soap/smtp settings and literal secrets in connections.toml", async () => {
    client = await check("basic", {}, (c) => c.open("connections.toml"));
    const toml = client.readDisk("connections.toml");
    await client.change("connections.toml", toml + EXTRA);
    await client.settle({
      "connections.toml": [
        '16:9-16:20 MF-UNREACHABLE outbound "OB_SOAP_ADT" is not reached by any handler',
        '21:12-21:15 MF-SETTINGS-SCHEMA outbound "OB_SOAP_ADT" (soap): setting version must be one of "1.1", "1.2"',
        '22:11-22:38 MF-SECRET-LITERAL outbound "OB_SOAP_ADT": secret setting "headers.X-Api-Key" must come from env(), not a literal',
        '24:1-31:16 MF-SETTINGS-SCHEMA outbound "OB_MAIL_ADT" (smtp): setting to is required',
        '25:9-25:20 MF-UNREACHABLE outbound "OB_MAIL_ADT" is not reached by any handler',
        '31:13-31:15 MF-SECRET-LITERAL outbound "OB_MAIL_ADT": secret setting "password" must come from env(), not a literal',
      ],
    });
  });

  it("offers the smtp settings not yet written", async () => {
    client = await check("basic", {}, (c) => c.open("connections.toml"));
    const marked =
      client.readDisk("connections.toml") + EXTRA.replace('password = "pw"\n', 'password = "pw"\n|\n');
    await client.change("connections.toml", marked.replace("|", ""));
    const items = await client.request<CompletionItem[]>("textDocument/completion", {
      textDocument: { uri: client.uri("connections.toml") },
      position: client.position("connections.toml", "|", 0, marked),
    });
    const smtp: Record<string, unknown> = TRANSPORT_SCHEMAS.smtp.properties;
    assert.deepEqual(
      items.map((i) => i.label),
      Object.keys(smtp).filter((k) => !["host", "from", "password"].includes(k)),
    );
  });
});
