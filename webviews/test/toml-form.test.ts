import assert from "node:assert/strict";
import { describe, it } from "mocha";
import {
  applyIntent,
  applyIntentToText,
  minimalReplacement,
  readConnections,
} from "../src/model/toml-form.js";

const DOC = `# Connections for the ACME feeds (kept by the editor)
[[inbound]]
name = "IB_ACME_ADT"   # the ADT feed
transport = "mllp"
router = "acme_adt_router"
settings = { port = 2600 }

# downstream
[[outbound]]
name = "OB_ACME_ADT"
transport = "mllp"
[outbound.settings]
host = { env = "acme_adt_host" }
port = 2575 # fixed

[[outbound]]
name = "OB_ACME_FILE"
transport = "file"
settings = { path = "/data/out" }
`;

describe("toml-form: read", () => {
  it("reads connections with their settings, other keys and header lines", () => {
    const doc = readConnections(DOC);
    assert.deepEqual(doc.problems, []);
    assert.deepEqual(doc.connections, [
      {
        direction: "inbound",
        index: 0,
        name: "IB_ACME_ADT",
        transport: "mllp",
        settings: { port: 2600 },
        fields: { router: "acme_adt_router" },
        line: 2,
      },
      {
        direction: "outbound",
        index: 0,
        name: "OB_ACME_ADT",
        transport: "mllp",
        settings: { host: { env: "acme_adt_host" }, port: 2575 },
        fields: {},
        line: 9,
      },
      {
        direction: "outbound",
        index: 1,
        name: "OB_ACME_FILE",
        transport: "file",
        settings: { path: "/data/out" },
        fields: {},
        line: 16,
      },
    ]);
  });

  it("gives a positioned problem for broken TOML instead of throwing", () => {
    const doc = readConnections('[[inbound]]\nname = "IB_X"\nport = \n');
    assert.equal(doc.connections.length, 0);
    assert.equal(doc.problems.length, 1);
    assert.equal(doc.problems[0]!.line, 3);
  });

  it("flags an inbound that is not an array of tables", () => {
    const doc = readConnections('inbound = "IB_X"\n');
    assert.deepEqual(doc.problems, [
      { message: '"inbound" must be an array of tables ([[inbound]])', line: 1, column: 1 },
    ]);
  });
});

describe("toml-form: edit", () => {
  it("sets a nested setting with a one-token edit, keeping every comment", () => {
    const edit = applyIntent(DOC, {
      kind: "setField",
      direction: "outbound",
      name: "OB_ACME_ADT",
      path: ["settings", "port"],
      value: 2576,
    });
    assert.equal(edit.newText, "6");
    assert.equal(DOC.slice(edit.start, edit.end), "5");
    const next = DOC.slice(0, edit.start) + edit.newText + DOC.slice(edit.end);
    assert.match(next, /port = 2576 # fixed/);
    assert.match(next, /^# Connections for the ACME feeds/);
    assert.equal(readConnections(next).connections[1]!.settings.port, 2576);
  });

  it("writes a secret as an env reference", () => {
    const next = applyIntentToText(DOC, {
      kind: "setField",
      direction: "outbound",
      name: "OB_ACME_FILE",
      path: ["settings", "password"],
      value: { env: "acme_file_password" },
    });
    assert.deepEqual(readConnections(next).connections[2]!.settings, {
      path: "/data/out",
      password: { env: "acme_file_password" },
    });
    assert.match(next, /# the ADT feed/);
  });

  it("appends a new connection and replaces an existing one by name", () => {
    const added = applyIntentToText(DOC, {
      kind: "upsertConnection",
      direction: "inbound",
      name: "IB_ACME_ORU",
      transport: "mllp",
      settings: { port: 2601 },
      fields: { router: "acme_oru_router" },
    });
    const doc = readConnections(added);
    assert.deepEqual(
      doc.connections.filter((c) => c.direction === "inbound").map((c) => [c.name, c.settings.port]),
      [
        ["IB_ACME_ADT", 2600],
        ["IB_ACME_ORU", 2601],
      ],
    );
    assert.match(added, /# downstream/);
    const replaced = applyIntentToText(added, {
      kind: "upsertConnection",
      direction: "inbound",
      name: "IB_ACME_ORU",
      transport: "tcp",
      settings: { port: 2700 },
      fields: { router: "acme_oru_router" },
    });
    const oru = readConnections(replaced).connections.find((c) => c.name === "IB_ACME_ORU")!;
    assert.equal(oru.transport, "tcp");
    assert.equal(oru.settings.port, 2700);
  });

  it("removes a connection, and drops the array key when it was the last", () => {
    const one = applyIntentToText(DOC, {
      kind: "removeConnection",
      direction: "outbound",
      name: "OB_ACME_FILE",
    });
    assert.deepEqual(
      readConnections(one).connections.map((c) => c.name),
      ["IB_ACME_ADT", "OB_ACME_ADT"],
    );
    const none = applyIntentToText(DOC, {
      kind: "removeConnection",
      direction: "inbound",
      name: "IB_ACME_ADT",
    });
    assert.doesNotMatch(none, /inbound/);
    assert.match(none, /OB_ACME_ADT/);
  });

  it("renames, refusing a name already taken", () => {
    const next = applyIntentToText(DOC, {
      kind: "renameConnection",
      direction: "outbound",
      name: "OB_ACME_FILE",
      newName: "OB_ACME_ARCHIVE",
    });
    assert.match(next, /name = "OB_ACME_ARCHIVE"/);
    assert.throws(
      () =>
        applyIntentToText(DOC, {
          kind: "renameConnection",
          direction: "outbound",
          name: "OB_ACME_FILE",
          newName: "OB_ACME_ADT",
        }),
      /another outbound connection is already named "OB_ACME_ADT"/,
    );
  });

  it("removes a field", () => {
    const next = applyIntentToText(DOC, {
      kind: "removeField",
      direction: "inbound",
      name: "IB_ACME_ADT",
      path: ["router"],
    });
    assert.deepEqual(readConnections(next).connections[0]!.fields, {});
  });

  it("refuses edits on a broken document and on unknown names, with the reason", () => {
    assert.throws(
      () => applyIntent("[[inbound\n", { kind: "removeConnection", direction: "inbound", name: "X" }),
      /connections.toml has a problem at 1:/,
    );
    assert.throws(
      () => applyIntent(DOC, { kind: "removeConnection", direction: "inbound", name: "IB_NOPE" }),
      /no inbound connection named "IB_NOPE"/,
    );
  });

  it("minimalReplacement keeps common prefix and suffix", () => {
    assert.deepEqual(minimalReplacement("abcXdef", "abcYYdef"), { start: 3, end: 4, newText: "YY" });
    assert.deepEqual(minimalReplacement("same", "same"), { start: 4, end: 4, newText: "" });
  });
});
