import assert from "node:assert/strict";
import { check, TestClient } from "./harness.js";

const BROKEN_LAB = [
  '3:32-3:36 MF-PORT-CLASH inbound "IB_LAB" listens on port 2700, already used by inbound "IB_LAB_TOML" [-> connections.toml:7:8]',
  '3:49-3:57 MF-ENV-MISSING env value "lab_host" is not set for environment "prod"',
  '3:75-3:84 MF-UNKNOWN-ROUTER "IB_LAB" names unknown router "lab_routr"',
  '5:49-5:64 MF-UNKNOWN-HANDLER "lab_router" returns unknown handler "missing_handler"',
  '7:10-7:21 MF-DUPLICATE-NAME handler "lab_handler" is declared again at routes/more.ts:3:10 [-> routes/more.ts:3:10]',
  "9:16-9:18 MF-HL7-PATH PID has 39 fields in HL7 v2.5.1; PID-99 does not exist",
  '10:12-10:15 MF-HL7-PATH Z-segment ZZZ is not declared in this config (declare it with msg.addSegment("ZZZ"))',
  "12:18-12:20 MF-HL7-PATH PID-5 (XPN) has 14 components; component 99 does not exist",
];
const BROKEN_TOML = [
  '7:8-7:12 MF-PORT-CLASH inbound "IB_LAB_TOML" listens on port 2700, which is also used at routes/lab.ts:3:32 [-> routes/lab.ts:3:32]',
  '8:8-8:9 MF-SETTINGS-SCHEMA inbound "IB_LAB_TOML" (mllp): setting prot is not a known setting (did you mean "port"?)',
  '13:49-13:53 MF-SETTINGS-SCHEMA outbound "OB_LAB" (mllp): setting port expected integer, got string',
];
const BROKEN_MORE = [
  '3:10-3:21 MF-DUPLICATE-NAME handler "lab_handler" is declared more than once (first at routes/lab.ts:7:10) [-> routes/lab.ts:7:10]',
];
const TYPE_ERROR = "16:14-16:19 MF-TYPECHECK TS2322: Type 'string' is not assignable to type 'number'.";

describe("language server: diagnostics", () => {
  let client: TestClient | undefined;
  afterEach(async () => {
    await client?.stop();
    client = undefined;
  });

  it("publishes nothing for a correct config", async () => {
    client = await check("basic", {}, (c) => c.open("routes/acme.ts"));
  });

  it("positions every wiring mistake, workspace-wide, without opening a file", async () => {
    client = await check("broken", {
      "connections.toml": BROKEN_TOML,
      "routes/lab.ts": BROKEN_LAB,
      "routes/more.ts": BROKEN_MORE,
    });
  });

  it("adds TypeScript type errors for open modules, in position order", async () => {
    client = await check(
      "broken",
      {
        "connections.toml": BROKEN_TOML,
        "routes/lab.ts": [...BROKEN_LAB, TYPE_ERROR],
        "routes/more.ts": BROKEN_MORE,
      },
      (c) =>
        c.open("routes/lab.ts", `${c.readDisk("routes/lab.ts")}\nexport const count: number = "three";\n`),
    );
  });

  it("carries related information to the other duplicate site", async () => {
    client = await check("broken", {
      "connections.toml": BROKEN_TOML,
      "routes/lab.ts": BROKEN_LAB,
      "routes/more.ts": BROKEN_MORE,
    });
    const dup = client.diagnostics.get(client.uri("routes/more.ts"))?.[0];
    assert.equal(dup?.relatedInformation?.[0]?.location.uri, client.uri("routes/lab.ts"));
    assert.deepEqual(dup?.relatedInformation?.[0]?.location.range, {
      start: { line: 6, character: 9 },
      end: { line: 6, character: 20 },
    });
    assert.equal(dup?.severity, 1);
    assert.equal(dup?.source, "messagefoundry");
  });

  it("follows unsaved edits: fixing and breaking names without saving", async () => {
    client = await check("basic", {}, (c) => c.open("routes/acme.ts"));
    const text = client.readDisk("routes/acme.ts");
    await client.change("routes/acme.ts", text.replace('["acme_adt_handler"]', '["acme_adt_handlr"]'));
    const expected = {
      "routes/acme.ts": [
        '3:39-3:54 MF-UNKNOWN-HANDLER "acme_adt_router" returns unknown handler "acme_adt_handlr"',
        '5:10-5:26 MF-UNREACHABLE handler "acme_adt_handler" is not reached by any router',
      ],
    };
    await client.settle(expected);
    assert.match(
      String(client.diagnostics.get(client.uri("routes/acme.ts"))?.[0]?.message),
      /Did you mean "acme_adt_handler"\?/,
    );

    await client.change("routes/acme.ts", `${text}\nconst port: number = "2600";\n`);
    const typeErr = {
      "routes/acme.ts": ["11:7-11:11 MF-TYPECHECK TS2322: Type 'string' is not assignable to type 'number'."],
    };
    await client.settle(typeErr);

    await client.change("routes/acme.ts", text);
    await client.settle({});
  });

  it("checks connections.toml as it is typed: syntax, unknown keys, env keys", async () => {
    client = await check("basic", {}, (c) => c.open("connections.toml"));
    const toml = client.readDisk("connections.toml");
    await client.change("connections.toml", toml.replace("port = 2600", "port = "));
    // The rest of the file still counts: no cascade of "unknown outbound" errors in the modules.
    const syntax = {
      "connections.toml": [
        '2:1-8:8 MF-SETTINGS-SCHEMA inbound "IB_ACME_ADT" (mllp): setting port is required',
        "8:7-8:8 MF-TOML-SYNTAX TOML syntax error: invalid value",
      ],
    };
    await client.settle(syntax);

    await client.change(
      "connections.toml",
      toml.replace('{ env = "acme_adt_host" }', '{ env = "acme_adt_hostname" }'),
    );
    const env = {
      "connections.toml": [
        '13:30-13:47 MF-ENV-MISSING env value "acme_adt_hostname" is not set for environment "dev"',
        '13:30-13:47 MF-ENV-MISSING env value "acme_adt_hostname" is not set for environment "prod"',
      ],
    };
    await client.settle(env);
  });

  it("checks sftp settings in connections.toml: host key form, leave needs rememberFile, a literal secret", async () => {
    client = await check("basic", {}, (c) => c.open("connections.toml"));
    const toml = client.readDisk("connections.toml");
    const remote = `${toml}
[[inbound]]
name = "IB_ACME_FILES"
transport = "sftp"
router = "acme_adt_router"
[inbound.settings]
host = "files.example"
username = "mefor"
password = { env = "acme_sftp_password" }
hostKey = "not-a-fingerprint"
path = "/outgoing"
afterRead = "leave"
`;
    await client.change("connections.toml", remote);
    await client.settle({
      "connections.toml": [
        '15:1-25:20 MF-SETTINGS-SCHEMA inbound "IB_ACME_FILES" (sftp): setting rememberFile is required when afterRead is "leave"',
        `23:12-23:29 MF-SETTINGS-SCHEMA inbound "IB_ACME_FILES" (sftp): setting hostKey must be the host key's SHA-256 fingerprint ("SHA256:" and 43 base64 characters, as ssh-keygen -lf prints it) or "insecure-accept-any"`,
      ],
    });
    // A literal password (not an env table) is refused at its value: secrets come only from MEFOR_VALUE_*.
    const fixed = remote
      .replace('"not-a-fingerprint"', `"SHA256:${"a".repeat(43)}"`)
      .replace('afterRead = "leave"', 'afterRead = "delete"')
      .replace('password = { env = "acme_sftp_password" }', 'password = "hunter2"');
    await client.change("connections.toml", fixed);
    await client.waitFor(() =>
      (client?.rendered()["connections.toml"] ?? []).some((l) => l.startsWith("22:")),
    );
    const secret = client.rendered()["connections.toml"] ?? [];
    assert.equal(secret.length, 1, secret.join("\n"));
    assert.match(secret[0] ?? "", /^22:\d+-22:\d+ MF-/);
  });

  it("never asks for a secret in an environment file, and reports one written there at its key", async () => {
    client = await check("basic", {}, (c) => c.open("routes/acme.ts"));
    const ts = client
      .readDisk("routes/acme.ts")
      .replace("{ handler, router, send }", "{ env, handler, http, inbound, router, send }");
    const web = `${ts}inbound("IB_ACME_WEB", http({ host: env("acme_web_host"), port: 2604, token: env("acme_web_token") }), { router: "acme_adt_router", contentType: "json" });\n`;
    await client.change("routes/acme.ts", web);
    // The plain env key is missing from both files; the secret token is not "missing" from any of them.
    const missingHost = [
      '10:42-10:55 MF-ENV-MISSING env value "acme_web_host" is not set for environment "dev"',
      '10:42-10:55 MF-ENV-MISSING env value "acme_web_host" is not set for environment "prod"',
    ];
    await client.settle({ "routes/acme.ts": missingHost });
    // Nor does the "add to every environment file" fix offer itself at the secret.
    const tokenAt = client.position("routes/acme.ts", "acme_web_token", 0, web);
    const fixes = await client.request<unknown[]>("textDocument/codeAction", {
      textDocument: { uri: client.uri("routes/acme.ts") },
      range: { start: tokenAt, end: tokenAt },
      context: { diagnostics: [] },
    });
    assert.deepEqual(fixes, []);

    // A nested secret in connections.toml (tls.passphrase) is marked too.
    const toml = client
      .readDisk("connections.toml")
      .replace(
        "port = 2600",
        'port = 2600\ntls = { cert = "c.pem", key = "k.pem", passphrase = { env = "acme_tls_pass" } }',
      );
    await client.open("connections.toml", toml);
    await client.settle({ "routes/acme.ts": missingHost });

    // Written into an environment file (unsaved): an error at the key there, pointing back at the use.
    const dev = `${client.readDisk("environments/dev.toml")}acme_web_token = "leaked"\nacme_tls_pass = "leaked"\n`;
    await client.open("environments/dev.toml", dev);
    await client.settle({
      "environments/dev.toml": [
        '3:1-3:15 MF-SECRET-IN-FILE secret env value "acme_web_token" is set in environments/dev.toml [-> routes/acme.ts:10:83]',
        '4:1-4:14 MF-SECRET-IN-FILE secret env value "acme_tls_pass" is set in environments/dev.toml [-> connections.toml:9:62]',
      ],
      "routes/acme.ts": missingHost,
    });
  });

  it("reports strict-validation errors in an open .hl7 file, and clears them on close", async () => {
    client = await check(
      "hl7",
      { "batch.hl7": ["7:22-7:23 HL7_REQUIRED_FIELD_MISSING PID-5: PID-5 (Patient Name) is required"] },
      (c) => c.open("batch.hl7"),
    );
    await client.rpc.sendNotification("textDocument/didClose", {
      textDocument: { uri: client.uri("batch.hl7") },
    });
    await client.settle({});
  });

  it("uses the messagefoundry.config setting to find a config dir without markers", async () => {
    client = await check(
      "pointed",
      {
        "config/routes/main.ts": [
          '4:38-4:52 MF-UNKNOWN-HANDLER "pointed_router" returns unknown handler "pointed_handlr"',
          '5:10-5:25 MF-UNREACHABLE handler "pointed_handler" is not reached by any router',
        ],
      },
      undefined,
      { settings: { config: "config" } },
    );
  });

  it("re-pulls settings when they change and refreshes diagnostics", async () => {
    const opts: { settings: Record<string, unknown> } = { settings: {} };
    client = await TestClient.start("pointed", opts);
    await client.open("config/routes/main.ts");
    // No markers and no setting: not a config dir, so nothing is published for it.
    await client.request("messagefoundry/configDirs", {});
    assert.deepEqual(client.rendered(), {});
    opts.settings = { config: "config" };
    await client.rpc.sendNotification("workspace/didChangeConfiguration", { settings: null });
    await client.settle({
      "config/routes/main.ts": [
        '4:38-4:52 MF-UNKNOWN-HANDLER "pointed_router" returns unknown handler "pointed_handlr"',
        '5:10-5:25 MF-UNREACHABLE handler "pointed_handler" is not reached by any router',
      ],
    });
  });

  it("checks HL7 paths against the hl7Version of the inbound that feeds the handler", async () => {
    client = await check(
      "versions",
      { "old.ts": ["7:16-7:18 MF-HL7-PATH PID has 30 fields in HL7 v2.3; PID-35 does not exist"] },
      (c) => c.open("old.ts"),
    );
  });
});
