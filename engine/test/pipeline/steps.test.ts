/** pipeline/steps.ts and the dry-run, through real loaded configs (the samples and small temp configs). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "mocha";
import { type LoadResult, loadConfig, RawMessage } from "../../src/config/index.js";
import { Message, parse } from "../../src/hl7/index.js";
import { dryRunFile } from "../../src/pipeline/index.js";
import { runHandler, runHandlerNow, runRouter, toHandlerInput } from "../../src/pipeline/steps.js";
import { cleanupConfigs, writeConfig } from "../config/helpers.js";

const ROOT = join(import.meta.dirname, "../../..");
const SAMPLES = join(ROOT, "samples");
const ADT = "MSH|^~\\&|S|F|R|F|20260101||ADT^A01|C1|P|2.5.1\rPID|1||TEST1||test^patient\r";

describe("pipeline steps", () => {
  let cfg: LoadResult;
  before(async () => {
    const dir = writeConfig({
      "a.ts": `import { handler, inbound, mllp, outbound, file, router, send, tcp } from "messagefoundry";
inbound("IB_S", mllp({ port: 2670 }), { router: "r_s" });
inbound("IB_J", tcp({ port: 2671 }), { router: "r_j", contentType: "json" });
inbound("IB_BAD", mllp({ port: 2672 }), { router: "r_missing" });
router("r_s", (m) => (m.get("PID-3") === "TEST1" ? ["h_upper", "h_upper", "h_keep"] : m.get("PID-3") === "BOOM" ? (() => { throw new Error("router broke"); })() : m.get("PID-3") === "UNK" ? ["h_none"] : []));
handler("h_upper", (m) => { m.set("PID-5.1", m.get("PID-5.1")?.toUpperCase()); return send("OB_S", m); });
handler("h_keep", (m) => send("OB_S", m));
handler("h_filter", () => []);
handler("h_ghost", (m) => send("OB_GHOST", m));
handler("h_bad", () => "nope" as never);
handler("h_async", async (m) => { await Promise.resolve(); return send("OB_S", m); });
let promised = 0;
handler("h_promise", (m) => (promised++ === 0 ? Promise.resolve(send("OB_S", m)) : send("OB_S", m)));
handler("h_throw", () => { throw new Error("handler broke"); });
router("r_j", (m: import("messagefoundry").RawMessage) => (m.json<{ go: boolean }>().go ? "h_json" : null));
handler("h_json", (m: import("messagefoundry").RawMessage) => send("OB_S", { echoed: m.json() }));
outbound("OB_S", file({ path: "out" }));
`,
    });
    cfg = await loadConfig(dir, { processEnv: {} });
  });
  after(cleanupConfigs);

  it("toHandlerInput: HL7 gives a Message, other content types a RawMessage, garbage a parse error", () => {
    const h = toHandlerInput("hl7v2", Buffer.from(ADT));
    assert.ok(h.ok && h.message instanceof Message);
    const j = toHandlerInput("json", Buffer.from('{"a":1}'));
    assert.ok(j.ok && j.message instanceof RawMessage);
    assert.deepEqual((j.message as RawMessage).json(), { a: 1 });
    const bad = toHandlerInput("hl7v2", Buffer.from("not hl7"));
    assert.ok(!bad.ok);
    assert.equal(bad.error.stage, "parse");
    assert.match(bad.error.message, /no MSH/);
  });

  it("runRouter returns deduplicated handler names; [] when unrouted", async () => {
    const r = await runRouter(cfg.registry, "IB_S", parse(ADT));
    assert.deepEqual(r, { ok: true, router: "r_s", handlers: ["h_upper", "h_keep"] });
    const none = await runRouter(cfg.registry, "IB_S", parse(ADT.replace("TEST1", "OTHER")));
    assert.deepEqual(none, { ok: true, router: "r_s", handlers: [] });
  });

  it("runRouter errors: router throws, unknown handler, unknown router, unknown inbound", async () => {
    const cases: [string, string, RegExp][] = [
      ["IB_S", ADT.replace("TEST1", "BOOM"), /router "r_s" threw: Error: router broke/],
      ["IB_S", ADT.replace("TEST1", "UNK"), /unknown handler\(s\): h_none/],
      ["IB_BAD", ADT, /unknown router "r_missing"/],
      ["IB_NOPE", ADT, /unknown inbound "IB_NOPE"/],
    ];
    for (const [ib, text, re] of cases) {
      const r = await runRouter(cfg.registry, ib, parse(text));
      assert.ok(!r.ok);
      assert.equal(r.error.stage, "route");
      assert.match(r.error.message, re);
    }
  });

  it("runHandler gives each handler its own clone; nothing returned = filtered", async () => {
    const msg = parse(ADT);
    const up = await runHandler(cfg.registry, "h_upper", msg);
    assert.ok(up.ok);
    assert.match(String(up.sends[0]?.payload), /\|\|TEST\^patient/);
    assert.equal(msg.get("PID-5.1"), "test", "the input message is untouched");
    const keep = await runHandler(cfg.registry, "h_keep", msg);
    assert.ok(keep.ok && String(keep.sends[0]?.payload).includes("||test^patient"));
    assert.deepEqual(await runHandler(cfg.registry, "h_filter", msg), { ok: true, sends: [] });
  });

  it("runHandler errors: unknown outbound at run time, bad return value, unknown handler", async () => {
    const ghost = await runHandler(cfg.registry, "h_ghost", parse(ADT));
    assert.ok(!ghost.ok && /unknown outbound\(s\): OB_GHOST/.test(ghost.error.message));
    const bad = await runHandler(cfg.registry, "h_bad", parse(ADT));
    assert.ok(!bad.ok && /must return send/.test(bad.error.message));
    const unk = await runHandler(cfg.registry, "h_zz", parse(ADT));
    assert.ok(!unk.ok && unk.error.stage === "transform");
  });

  it("runHandlerNow runs a synchronous handler at once as runHandler would; async ones are left to the caller", async () => {
    const msg = parse(ADT);
    const now = runHandlerNow(cfg.registry, "h_upper", msg);
    const later = await runHandler(cfg.registry, "h_upper", msg);
    assert.ok(now?.ok && later.ok);
    assert.equal(String(now.sends[0]?.payload), String(later.sends[0]?.payload));
    assert.equal(msg.get("PID-5.1"), "test", "the input message is untouched");
    assert.deepEqual(runHandlerNow(cfg.registry, "h_filter", msg), { ok: true, sends: [] });
    const threw = runHandlerNow(cfg.registry, "h_throw", msg);
    assert.ok(
      threw && !threw.ok && /handler "h_throw" threw: Error: handler broke/.test(threw.error.message),
    );
    const bad = runHandlerNow(cfg.registry, "h_bad", msg);
    assert.ok(bad && !bad.ok && /must return send/.test(bad.error.message));
    const ghost = runHandlerNow(cfg.registry, "h_ghost", msg);
    assert.ok(ghost && !ghost.ok && /unknown outbound\(s\): OB_GHOST/.test(ghost.error.message));
    assert.equal(runHandlerNow(cfg.registry, "h_async", msg), undefined, "an async function is not called");
    // A handler that once returned a promise is taken for asynchronous from then on.
    assert.equal(runHandlerNow(cfg.registry, "h_promise", msg), undefined);
    assert.equal(runHandlerNow(cfg.registry, "h_promise", msg), undefined);
    const viaWorker = await runHandler(cfg.registry, "h_promise", msg);
    assert.ok(viaWorker.ok && viaWorker.sends.length === 1);
  });

  it("non-HL7 messages: RawMessage in, JSON object sent as JSON", async () => {
    const results = await dryRunFile(cfg.registry, "IB_J", Buffer.from('{"go":true}'), "j", {
      showPhi: true,
    });
    assert.equal(results[0]?.disposition, "PROCESSED");
    assert.equal(results[0]?.deliveries[0]?.payload, '{"echoed":{"go":true}}');
    const un = await dryRunFile(cfg.registry, "IB_J", Buffer.from('{"go":false}'), "j");
    assert.equal(un[0]?.disposition, "UNROUTED");
    const bad = await dryRunFile(cfg.registry, "IB_J", Buffer.from("{nope"), "j");
    assert.equal(bad[0]?.disposition, "ERROR");
    assert.match(bad[0]?.error?.message ?? "", /router "r_j" threw: SyntaxError/);
  });
});

describe("dry-run of the samples", () => {
  let samples: LoadResult;
  before(async () => {
    samples = await loadConfig(join(SAMPLES, "config"), { env: "dev", processEnv: {} });
  });

  it("the samples load with no problems", () => {
    assert.deepEqual(samples.problems, []);
    assert.ok(samples.registry.inbounds.size >= 4);
  });

  const run = (inbound: string, file: string, showPhi = false) =>
    dryRunFile(samples.registry, inbound, readFileSync(join(SAMPLES, "messages", file)), file, { showPhi });

  it("ADT fans out to the EMR, billing and the chart database; A08 skips billing; bodies only with showPhi", async () => {
    const [a01] = await run("IB_ACME_ADT", "adt_a01.hl7");
    assert.equal(a01?.disposition, "PROCESSED");
    assert.deepEqual(
      a01?.deliveries.map((d) => d.outbound),
      ["OB_EMR_ADT", "OB_BILLING_ADT", "OB_CHART_DB_ADT"],
    );
    assert.equal(a01?.deliveries[0]?.payload, undefined);
    const [a08] = await run("IB_ACME_ADT", "adt_a08.hl7", true);
    assert.deepEqual(
      a08?.deliveries.map((d) => d.outbound),
      ["OB_EMR_ADT", "OB_CHART_DB_ADT"],
    );
    assert.match(a08?.deliveries[0]?.payload ?? "", /\|EMR\|/);
  });

  it("ORU: abnormal results are transformed and sent, all-normal results are filtered", async () => {
    const [abn] = await run("IB_LAB_ORU", "oru_r01_abnormal.hl7", true);
    assert.equal(abn?.disposition, "PROCESSED");
    assert.match(abn?.deliveries[0]?.payload ?? "", /NTE\|1\|L\|H = High/);
    const [norm] = await run("IB_LAB_ORU", "oru_r01_normal.hl7");
    assert.equal(norm?.disposition, "FILTERED");
  });

  it("JSON over HTTP becomes an ADT^A04; a file-dropped ORM is sent on", async () => {
    const [reg] = await run("IB_WEB_JSON", "registration.json", true);
    assert.equal(reg?.disposition, "PROCESSED");
    assert.equal(parse(reg?.deliveries[0]?.payload ?? "").messageType, "ADT^A04");
    const [orm] = await run("IB_DROP_ORM", "orm_o01.hl7");
    assert.deepEqual(
      orm?.deliveries.map((d) => d.outbound),
      ["OB_RIS_ORM"],
    );
  });

  it("a batch file yields one result per message", async () => {
    const results = await run("IB_ACME_ADT", "adt_batch.hl7");
    assert.deepEqual(
      results.map((r) => r.index),
      [0, 1, 2],
    );
    assert.ok(results.every((r) => r.disposition === "PROCESSED"));
  });
});
