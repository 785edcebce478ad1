/** alert(...) in a config: the loader puts rules in the graph and reports bad ones with positions. */
import assert from "node:assert/strict";
import { after, describe, it } from "mocha";
import { loadConfig, loadConfigIsolated } from "../../src/config/index.js";
import { diffGraphs, parseAlertCondition, parseDuration } from "../../src/graph/index.js";
import { cleanupConfigs, posOf, writeConfig } from "../config/helpers.js";

const HEAD = `import { alert, file, handler, inbound, mllp, outbound, rest, router, send } from "messagefoundry";
inbound("IB_ADT", mllp({ port: 2600 }), { router: "r" });
router("r", () => ["h"]);
handler("h", (m) => send("OB_EHR", m));
outbound("OB_EHR", mllp({ host: "127.0.0.1", port: 1 }));
outbound("OB_HOOK", rest({ url: "http://127.0.0.1:1/hook" }));
`;

describe("alert rules in the config", () => {
  after(cleanupConfigs);

  it("loads every condition into the graph with the notify list and renotify", async () => {
    const dir = writeConfig({
      "a.ts": `${HEAD}
alert("AL_DOWN", { when: { connection: "OB_EHR", down: "5m" }, notify: ["OB_HOOK"], renotify: "30m" });
alert("AL_BACKLOG", { when: { connection: "OB_EHR", backlogAbove: 100 }, notify: "OB_HOOK" });
alert("AL_AGE", { when: { connection: "OB_EHR", backlogOlderThan: "10m" } });
alert("AL_DEAD", { when: { connection: "OB_EHR", deadLetters: true } });
alert("AL_RATE", { when: { connection: "IB_ADT", errorRateAbove: 0.1, window: "15m" } });
alert("AL_CERT", { when: { connection: "IB_ADT", certExpiresWithin: "14d" } });
`,
    });
    const r = await loadConfig(dir, { processEnv: {} });
    assert.deepEqual(r.problems, []);
    const alerts = r.graph.alerts ?? [];
    assert.deepEqual(
      alerts.map((a) => [a.name, a.notify, a.renotify]),
      [
        ["AL_DOWN", ["OB_HOOK"], "30m"],
        ["AL_BACKLOG", ["OB_HOOK"], undefined],
        ["AL_AGE", [], undefined],
        ["AL_DEAD", [], undefined],
        ["AL_RATE", [], undefined],
        ["AL_CERT", [], undefined],
      ],
    );
    assert.deepEqual(
      alerts.map((a) => parseAlertCondition(a.when)),
      [
        { condition: { kind: "down", connection: "OB_EHR", forMs: 300_000 } },
        { condition: { kind: "backlog", connection: "OB_EHR", above: 100 } },
        { condition: { kind: "backlogAge", connection: "OB_EHR", olderThanMs: 600_000 } },
        { condition: { kind: "deadLetters", connection: "OB_EHR", above: 0 } },
        { condition: { kind: "errorRate", connection: "IB_ADT", above: 0.1, windowMs: 900_000 } },
        { condition: { kind: "certExpiry", connection: "IB_ADT", withinMs: 14 * 86_400_000 } },
      ],
    );
  });

  it("reports unknown connections, inbounds in notify, bad durations and duplicates at their values", async () => {
    const text = `${HEAD}
alert("AL_X", { when: { connection: "OB_EHRR", down: "5m" }, notify: ["OB_HOOK", "IB_ADT"] });
alert("AL_Y", { when: { connection: "OB_EHR", down: "5 minutes" }, renotify: "soon" });
alert("AL_Y", { when: { connection: "OB_EHR", backlogAbove: 1, deadLetters: true } });
`;
    const dir = writeConfig({ "a.ts": text });
    const r = await loadConfig(dir, { processEnv: {} });
    const at = (needle: string) => {
      const p = posOf(text, needle);
      return `a.ts:${p.line}:${p.column}`;
    };
    assert.deepEqual(
      r.problems.map(
        (p) => `${p.code} ${p.location.file}:${p.location.line}:${p.location.column} ${p.message}`,
      ),
      [
        `MF-UNKNOWN-CONNECTION ${at('"OB_EHRR"')} alert "AL_X" watches unknown connection "OB_EHRR"`,
        `MF-UNKNOWN-CONNECTION ${at('"IB_ADT"]')} alert "AL_X" notifies "IB_ADT", an inbound: notices go out through outbounds`,
        `MF-ALERT ${at('"5 minutes"')} alert "AL_Y": when.down "5 minutes" is not a duration: write a number with a unit, e.g. "30s", "5m", "2h" or "14d"`,
        `MF-ALERT ${at('"soon"')} alert "AL_Y": renotify "soon" is not a duration: write a number with a unit, e.g. "30s", "5m", "2h" or "14d"`,
        `MF-DUPLICATE-NAME ${at('"AL_Y", { when: { connection: "OB_EHR", b')} alert "AL_Y" is declared more than once`,
        `MF-ALERT ${at("true }")} alert "AL_Y": when must have exactly one of down, backlogAbove, backlogOlderThan, deadLetters, errorRateAbove, certExpiresWithin (found 2)`,
      ],
    );
    assert.equal(r.problems[0]?.hint, 'Did you mean "OB_EHR"?');
  });

  it("a staged (sandboxed) load carries the same alerts", async () => {
    const dir = writeConfig({
      "a.ts": `${HEAD}alert("AL_DOWN", { when: { connection: "OB_EHR", down: "1m" }, notify: ["OB_HOOK"] });\n`,
    });
    const r = await loadConfigIsolated(dir, { processEnv: {} });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(
      r.graph.alerts?.map((a) => [a.name, a.when, a.notify]),
      [["AL_DOWN", { connection: "OB_EHR", down: "1m" }, ["OB_HOOK"]]],
    );
  });

  it("parses durations with a unit only", () => {
    assert.deepEqual(["500ms", "30s", "5m", "2h", "14d", "1.5h", "5", "0s", "-1m", 5].map(parseDuration), [
      500,
      30_000,
      300_000,
      7_200_000,
      1_209_600_000,
      5_400_000,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("a promote's diff names the alert rules it adds, removes and changes (not those that only moved)", async () => {
    const before = await loadConfig(
      writeConfig({
        "a.ts": `${HEAD}alert("AL_A", { when: { connection: "OB_EHR", down: "5m" } });
alert("AL_B", { when: { connection: "OB_EHR", backlogAbove: 10 } });
alert("AL_C", { when: { connection: "OB_EHR", deadLetters: true } });
`,
      }),
      { processEnv: {} },
    );
    const after = await loadConfig(
      writeConfig({
        "a.ts": `${HEAD}
alert("AL_C", { when: { connection: "OB_EHR", deadLetters: true } });
alert("AL_B", { when: { connection: "OB_EHR", backlogAbove: 20 } });
alert("AL_D", { when: { connection: "OB_EHR", down: "1m" }, notify: ["OB_HOOK"] });
`,
      }),
      { processEnv: {} },
    );
    assert.deepEqual(diffGraphs(before.graph, after.graph).alerts, {
      added: ["AL_D"],
      removed: ["AL_A"],
      changed: ["AL_B"],
    });
    assert.equal(diffGraphs(after.graph, after.graph).alerts, undefined);
  });
});
