/**
 * The custom protocol through real JSON-RPC: the version handshake at initialize and
 * `messagefoundry/configDirs`, the one config-dir search the extension uses.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NotificationType, RequestType } from "vscode-languageserver-protocol";
import * as protocol from "../src/protocol.js";
import {
  ConfigDirsRequest,
  PROTOCOL_VERSION,
  protocolVersionProblem,
  reportedProtocolVersion,
} from "../src/protocol.js";
import { TestClient } from "./harness.js";

describe("language server: protocol version", () => {
  let client: TestClient;
  before(async () => {
    client = await TestClient.start("basic");
  });
  after(() => client.stop());

  it("reports PROTOCOL_VERSION at initialize, and a client of the same build accepts it", () => {
    assert.equal(reportedProtocolVersion(client.initializeResult), PROTOCOL_VERSION);
    assert.equal(protocolVersionProblem(client.initializeResult), undefined);
  });

  it("gives a client of another version one message naming both versions and what to do", () => {
    const message = protocolVersionProblem(client.initializeResult, PROTOCOL_VERSION + 1);
    assert.ok(message);
    assert.match(message, new RegExp(`speaks protocol version ${PROTOCOL_VERSION}\\b`));
    assert.match(message, new RegExp(`expects version ${PROTOCOL_VERSION + 1}\\b`));
    assert.match(message, /Reinstall the MessageFoundry extension/);
  });

  it("treats a server that reports no version (an older build) as a mismatch", () => {
    const message = protocolVersionProblem({ capabilities: {} });
    assert.match(message ?? "", /reports no protocol version, but this extension expects version/);
  });
});

describe("language server: protocol doc", () => {
  it("names every custom message of src/protocol.ts in the README (the doc stays in step)", () => {
    const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");
    const methods = Object.values(protocol)
      .filter((v) => v instanceof RequestType || v instanceof NotificationType)
      .map((m) => m.method);
    assert.deepEqual(methods.sort(), [
      "messagefoundry/configDirs",
      "messagefoundry/graph",
      "messagefoundry/stepCompletions",
      "messagefoundry/stepEdit",
      "messagefoundry/steps",
    ]);
    for (const method of methods)
      assert.ok(readme.includes(`\`${method}\``), `${method} missing from README.md`);
  });
});

describe("language server: messagefoundry/configDirs", () => {
  let client: TestClient | undefined;
  afterEach(async () => {
    await client?.stop();
    client = undefined;
  });

  const dirsOf = async (c: TestClient, uri?: string) =>
    (await c.rpc.sendRequest(ConfigDirsRequest, uri ? { uri } : undefined)).dirs.map(
      (d) => `${c.rel(d.uri)} ${d.name}`,
    );

  it("finds every folder with a connections.toml or an environments/ folder, sorted", async () => {
    client = await TestClient.start("dirs");
    assert.deepEqual(await dirsOf(client), ["alpha alpha", "beta beta"]);
  });

  it("adds the config dir above a given file that the workspace search did not reach", async () => {
    client = await TestClient.start("dirs");
    const deep = client.uri("a/b/c/d/e/deep/routes/deep.ts");
    assert.deepEqual(await dirsOf(client, deep), ["a/b/c/d/e/deep deep", "alpha alpha", "beta beta"]);
  });

  it("never takes the engine's kept copy of a version (under .messagefoundry/) for a config dir", async () => {
    client = await TestClient.start("dirs");
    // What a local engine leaves beside its dev database: a promoted version's files.
    const kept = join(client.root, ".messagefoundry/dev.db.config-versions/0f3a9c");
    mkdirSync(join(kept, "environments"), { recursive: true });
    writeFileSync(join(kept, "connections.toml"), "");
    writeFileSync(join(kept, "routes.ts"), "");
    const copy = client.uri(".messagefoundry/dev.db.config-versions/0f3a9c/routes.ts");
    assert.deepEqual(await dirsOf(client, copy), ["alpha alpha", "beta beta"]);
  });

  it("drops a config dir the settings no longer name, and clears its diagnostics", async () => {
    const opts: { settings: Record<string, unknown> } = { settings: {} };
    client = await TestClient.start("dirs", opts);
    await client.open("alpha/connections.toml");
    await client.settle({
      "alpha/connections.toml": [
        '3:9-3:21 MF-UNREACHABLE outbound "OB_ALPHA_ADT" is not reached by any handler',
      ],
    });
    opts.settings = { config: "beta" };
    await client.rpc.sendNotification("workspace/didChangeConfiguration", { settings: null });
    assert.deepEqual(await dirsOf(client), ["beta beta"]);
    await client.settle({});
  });

  it("honours messagefoundry.config (relative to the folder, .. resolved) instead of searching", async () => {
    client = await TestClient.start("dirs", { settings: { config: "beta/../alpha/" } });
    assert.deepEqual(await dirsOf(client), ["alpha alpha"]);
  });
});
