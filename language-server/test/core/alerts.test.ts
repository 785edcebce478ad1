/** alert(...) in the editor: the graph rules' diagnostics and completion of connection names. */
import assert from "node:assert/strict";
import { complete, definition, rename } from "../../src/core/index.js";
import { dict, fixture } from "./fixture.js";

const config = (alerts: string) => `
  //- connections.toml
  [[inbound]]
  name = "IB_ACME_ADT"
  transport = "mllp"
  router = "r"
  settings = { port = 2600 }

  [[outbound]]
  name = "OB_ACME_ADT"
  transport = "mllp"
  settings = { host = "127.0.0.1", port = 2575 }

  [[outbound]]
  name = "OB_OPS_HOOK"
  transport = "rest"
  settings = { url = "http://127.0.0.1:9/hook" }
  //- routes/acme.ts
  import { alert, handler, router, send } from "messagefoundry";
  router("r", () => ["h"]);
  handler("h", (msg) => send("OB_ACME_ADT", msg));
  ${alerts}
`;

function problems(text: string): string[] {
  const f = fixture(text);
  try {
    return [...f.model.analysis().problems().values()]
      .flat()
      .map((p) => `${p.code} ${p.location.file}:${p.location.line}:${p.location.column} ${p.message}`);
  } finally {
    f.model.dispose();
  }
}

function labelsAt(text: string): string[] {
  const f = fixture(text);
  assert.ok(f.cursor);
  try {
    return complete(f.model, dict(), f.cursor.file, f.cursor.offset).map((c) => `${c.label}:${c.kind}`);
  } finally {
    f.model.dispose();
  }
}

describe("core: alerts", () => {
  it("a valid alert gives no problem, and its notify outbound is not unreachable", () => {
    assert.deepEqual(
      problems(
        config(
          'alert("AL_DOWN", { when: { connection: "OB_ACME_ADT", down: "5m" }, notify: ["OB_OPS_HOOK"] });',
        ),
      ),
      [],
    );
  });

  it("unknown and duplicate names, inbounds in notify and bad durations are positioned at their values", () => {
    assert.deepEqual(
      problems(
        config(`alert("AL_X", { when: { connection: "OB_ACME_ADTT", down: "5m" }, notify: ["OB_OPS_HOOK"] });
  alert("AL_X", { when: { connection: "OB_ACME_ADT", down: "five" }, notify: "IB_ACME_ADT", renotify: "1h" });`),
      ),
      [
        'MF-DUPLICATE-NAME routes/acme.ts:4:8 alert "AL_X" is declared again at routes/acme.ts:5:8',
        'MF-UNKNOWN-CONNECTION routes/acme.ts:4:37 alert "AL_X" watches unknown connection "OB_ACME_ADTT"',
        'MF-DUPLICATE-NAME routes/acme.ts:5:8 alert "AL_X" is declared more than once',
        'MF-ALERT routes/acme.ts:5:58 alert "AL_X": when.down "five" is not a duration: write a number with a unit, e.g. "30s", "5m", "2h" or "14d"',
        'MF-UNKNOWN-CONNECTION routes/acme.ts:5:76 alert "AL_X" notifies "IB_ACME_ADT", an inbound: notices go out through outbounds',
      ],
    );
  });

  it("completes inbounds and outbounds in when.connection, outbounds in notify", () => {
    assert.deepEqual(labelsAt(config('alert("A", { when: { connection: "$0" } });')), [
      "IB_ACME_ADT:inbound",
      "OB_ACME_ADT:outbound",
      "OB_OPS_HOOK:outbound",
    ]);
    assert.deepEqual(labelsAt(config('alert("A", { when: { connection: $0 } });')), [
      "IB_ACME_ADT:inbound",
      "OB_ACME_ADT:outbound",
      "OB_OPS_HOOK:outbound",
    ]);
    assert.deepEqual(
      labelsAt(config('alert("A", { when: { connection: "OB_ACME_ADT", down: "1m" }, notify: ["$0"] });')),
      ["OB_ACME_ADT:outbound", "OB_OPS_HOOK:outbound"],
    );
    assert.deepEqual(
      labelsAt(config('alert("A", { when: { connection: "OB_ACME_ADT", down: "1m" }, notify: "OB$0" });')),
      ["OB_ACME_ADT:outbound", "OB_OPS_HOOK:outbound"],
    );
    assert.deepEqual(
      labelsAt(config('alert("A", { when: { connection: "OB_ACME_ADT", down: "1m" }, notify: [$0] });')),
      ["OB_ACME_ADT:outbound", "OB_OPS_HOOK:outbound"],
    );
    assert.deepEqual(labelsAt(config('const x = { connection: "$0" };')), []);
  });

  it("go to definition and rename reach connection names in alerts", () => {
    const f = fixture(
      config(
        'alert("AL_DOWN", { when: { connection: "OB_ACME_$0ADT", down: "5m" }, notify: ["OB_OPS_HOOK", "OB_ACME_ADT"] });',
      ),
    );
    assert.ok(f.cursor);
    try {
      assert.deepEqual(
        definition(f.model, f.cursor.file, f.cursor.offset).map((l) => `${l.file}:${l.line}:${l.column}`),
        ["connections.toml:8:9"],
      );
      const r = rename(f.model, f.cursor.file, f.cursor.offset, "OB_EHR_ADT");
      assert.ok("edits" in r);
      assert.deepEqual(
        r.edits.map(
          (e) => `${e.location.file}:${e.location.line}:${e.location.column}-${e.location.endColumn}`,
        ),
        [
          "connections.toml:8:9-20",
          "routes/acme.ts:3:29-40",
          "routes/acme.ts:4:41-52",
          "routes/acme.ts:4:94-105",
        ],
      );
    } finally {
      f.model.dispose();
    }
  });
});
