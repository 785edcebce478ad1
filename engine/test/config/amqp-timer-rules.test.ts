/** Settings of the amqp and timer connectors through the real loader: each mistake is positioned. */
import assert from "node:assert/strict";
import { after, describe, it } from "mocha";
import { loadConfig } from "../../src/config/index.js";
import { brief, cleanupConfigs, posOf, span, writeConfig } from "./helpers.js";

const IMPORTS = `import { amqp, env, file, handler, inbound, outbound, router, send, timer } from "messagefoundry";\n`;
const REST = `router("r_a", () => ["h_a"]);
handler("h_a", (msg) => send("OB_A", msg));
outbound("OB_A", file({ path: "out" }));
`;

async function load(files: Record<string, string>, processEnv: Record<string, string> = {}) {
  const dir = writeConfig(files);
  return loadConfig(dir, { processEnv });
}

describe("graph rules: amqp and timer settings (exact positions)", () => {
  after(cleanupConfigs);

  it("valid amqp and timer connections have no problems", async () => {
    const text = `${IMPORTS}inbound("IB_Q", amqp({ url: "amqps://broker:5671/hl7", username: "engine", password: env("q_password"), queue: "adt", prefetch: 1, tls: { ca: "ca.pem" } }), { router: "r_a" });
inbound("IB_T", timer({ cron: "0 2 * * *", timezone: "Europe/Berlin", payload: "{tick}" }), { router: "r_a", contentType: "text" });
inbound("IB_I", timer({ intervalMs: 60000 }), { router: "r_a", contentType: "json" });
outbound("OB_A", amqp({ url: "amqp://broker", exchange: "hl7", routingKey: "adt.{messageType}", onRejected: "deadLetter" }));
${REST.replace('outbound("OB_A", file({ path: "out" }));\n', "")}`;
    const r = await load({ "a.ts": text }, { MEFOR_VALUE_Q_PASSWORD: "x" });
    assert.deepEqual(r.problems.map(brief), []);
  });

  it("a bad cron expression is MF-SETTINGS-SCHEMA at its value, in TypeScript and TOML", async () => {
    const text = `${IMPORTS}inbound("IB_T", timer({ cron: "61 * * * *" }), { router: "r_a" });\n${REST}`;
    const r = await load({ "a.ts": text });
    assert.deepEqual(r.problems.map(brief), [`${span("a.ts", text, '"61 * * * *"')} MF-SETTINGS-SCHEMA`]);
    assert.match(r.problems[0]?.message ?? "", /setting cron is not a valid cron expression/);
    const toml = `[[inbound]]\nname = "IB_TT"\ntransport = "timer"\nrouter = "r_a"\n[inbound.settings]\ncron = "* * *"\ntimezone = "Mars/Olympus"\n`;
    const base = `${IMPORTS}${REST}`;
    const t = await load({ "a.ts": base, "connections.toml": toml });
    assert.deepEqual(t.problems.map(brief), [
      `${span("connections.toml", toml, '"* * *"')} MF-SETTINGS-SCHEMA`,
      `${span("connections.toml", toml, '"Mars/Olympus"')} MF-SETTINGS-SCHEMA`,
    ]);
    assert.match(t.problems[1]?.message ?? "", /timezone is not a known timezone/);
  });

  it("a timer needs exactly one of cron or intervalMs", async () => {
    const base = `${IMPORTS}${REST}`;
    const both = `[[inbound]]\nname = "IB_T"\ntransport = "timer"\nrouter = "r_a"\n[inbound.settings]\ncron = "* * * * *"\nintervalMs = 1000\n`;
    const r = await load({ "a.ts": base, "connections.toml": both });
    assert.deepEqual(r.problems.map(brief), [`${span("connections.toml", both, "1000")} MF-SETTINGS-SCHEMA`]);
    assert.match(r.problems[0]?.message ?? "", /intervalMs cannot go with cron/);
    const none = `[[inbound]]\nname = "IB_T"\ntransport = "timer"\nrouter = "r_a"\n[inbound.settings]\npayload = "x"\n`;
    const n = await load({ "a.ts": base, "connections.toml": none });
    assert.equal(n.problems.length, 1);
    assert.match(n.problems[0]?.message ?? "", /need one of cron, intervalMs/);
  });

  it("amqp: a password in the url, a missing queue, a literal password, a timer as outbound", async () => {
    const text = `${IMPORTS}inbound("IB_Q", amqp({ url: "amqp://guest:guest@broker/" }), { router: "r_a" });
outbound("OB_Q", amqp({ url: "amqp://broker", exchange: "x", password: "s3cret" as never }));
outbound("OB_T", timer({ intervalMs: 100 }) as never);
${REST}`;
    const r = await load({ "a.ts": text });
    const got = r.problems.map((p) => `${brief(p)} ${p.message}`);
    const at = posOf(text, '"s3cret"');
    assert.ok(
      got.some(
        (g) =>
          g.startsWith(`${span("a.ts", text, '"amqp://guest:guest@broker/"')} MF-SETTINGS-SCHEMA`) &&
          /must not carry a password/.test(g),
      ),
      got.join("\n"),
    );
    assert.ok(
      got.some((g) => /MF-SETTINGS-SCHEMA .*setting queue is required for an inbound/.test(g)),
      got.join("\n"),
    );
    assert.ok(
      // The span starts at the literal (it runs on over the `as never` cast).
      got.some((g) => g.startsWith(`a.ts:${at.line}:${at.column}-`) && g.includes(" MF-SECRET-LITERAL ")),
      got.join("\n"),
    );
    assert.ok(
      got.some((g) => /transport "timer" cannot be used for an outbound/.test(g)),
      got.join("\n"),
    );
  });
});
