/**
 * `tee compare` through the CLI: two destinations' captures (the sink's NDJSON shape, and .hl7),
 * pairing by MSH-10 and by order, default and configured ignore rules, the summary, the JSON report,
 * the HTML file, and the tee log's legacy vs shadow ACKs. Synthetic patients only.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "mocha";
import { buildAck, parse } from "../../src/hl7/index.js";
import { plainCodec } from "../../src/store/index.js";
import { TeeLog } from "../../src/tee/index.js";
import type { TeeCompareReport } from "../../src/tee/report-types.js";
import { cli } from "../cli/harness.js";
import { tempDir } from "../runtime/helpers.js";

function msg(id: string, o: { ts?: string; mrnAuthority?: string; family?: string } = {}): string {
  return [
    `MSH|^~\\&|ENGINE|FAC|DEST|FAC|${o.ts ?? "20260101120000"}||ADT^A01^ADT_A01|${id}|P|2.5.1`,
    `PID|1||${id}^^^${o.mrnAuthority ?? "MRN"}||${o.family ?? "TEST"}^PATIENT||19700101|U`,
  ].join("\r");
}

/** One capture line as `messagefoundry sink --capture` writes it. */
function line(seq: number, message: string): string {
  const id = parse(message).controlId ?? "";
  return `${JSON.stringify({ seq, connection: 1, controlId: id, messageType: "ADT^A01^ADT_A01", bytes: message.length, receivedAt: 1767268800000 + seq, answeredAt: 1767268800001 + seq, action: "AA", message })}\n`;
}

describe("tee compare", () => {
  const t = tempDir("mf-tee-compare-");
  const legacyFile = join(t.dir, "legacy.ndjson");
  const shadowFile = join(t.dir, "shadow.ndjson");

  before(() => {
    writeFileSync(
      legacyFile,
      [msg("C001"), msg("C002"), msg("C003"), msg("C004")].map((m, i) => line(i + 1, m)).join(""),
    );
    writeFileSync(
      shadowFile,
      [
        line(1, msg("C001", { ts: "20260101120005" })), // only its own timestamp differs
        line(2, msg("C002", { mrnAuthority: "HOSP", family: "<b>TSET</b>" })),
        line(3, msg("C003", { mrnAuthority: "HOSP" })), // only PID-3.4 differs
        "not json\n",
        line(5, msg("C005")),
      ].join(""),
    );
  });
  after(() => t.cleanup());

  it("pairs by MSH-10, ignores MSH-7 and MSH-10, lists differing paths; exit 1", async () => {
    const r = await cli(["tee", "compare", "--legacy", legacyFile, "--shadow", shadowFile], t.dir);
    assert.equal(r.code, 1, r.err);
    assert.equal(
      r.out,
      [
        "5 pair(s): 1 identical, 2 differing, 1 missing in shadow, 1 missing in legacy",
        "paired by MSH-10; ignored: MSH-7, MSH-10",
        "  PID-3\t2",
        "  PID-5\t1",
        "differing\tC002\tPID-3 PID-5",
        "differing\tC003\tPID-3",
        "missing-shadow\tC004",
        "missing-legacy\tC005",
        `problem: ${shadowFile}:4: not JSON`,
        "",
      ].join("\n"),
    );
  });

  it("--ignore PID-3.4: C003 becomes identical; --json prints the report with component detail", async () => {
    const r = await cli(
      ["tee", "compare", "--legacy", legacyFile, "--shadow", shadowFile, "--ignore", "PID-3.4", "--json"],
      t.dir,
    );
    assert.equal(r.code, 1, r.err);
    const report = JSON.parse(r.out) as TeeCompareReport;
    assert.deepEqual(report.ignore, ["MSH-7", "MSH-10", "PID-3.4"]);
    assert.deepEqual(report.summary, {
      pairs: 5,
      identical: 2,
      differing: 1,
      missingLegacy: 1,
      missingShadow: 1,
      topPaths: [{ path: "PID-5", count: 1 }],
    });
    assert.deepEqual(
      report.pairs.map((p) => [p.key, p.status]),
      [
        ["C001", "identical"],
        ["C002", "differing"],
        ["C003", "identical"],
        ["C004", "missing-shadow"],
        ["C005", "missing-legacy"],
      ],
    );
    const c002 = report.pairs[1]!.diff!.segments.find((s) => s.name === "PID")!;
    assert.deepEqual(c002.changes, [
      {
        path: "PID-5",
        status: "changed",
        before: "TEST^PATIENT",
        after: "<b>TSET</b>^PATIENT",
        components: ["PID-5.1"],
      },
    ]);
  });

  it("--no-default-ignore --pair-by order compares timestamps and pairs by position", async () => {
    const hl7 = join(t.dir, "shadow.hl7");
    writeFileSync(hl7, `${msg("X001", { ts: "20260101120005" })}\r\n${msg("X002")}\r\n`);
    const legacyHl7 = join(t.dir, "legacy.hl7");
    writeFileSync(legacyHl7, `${msg("C001")}\r\n${msg("C002")}\r\n`);
    const r = await cli(
      [
        "tee",
        "compare",
        "--legacy",
        legacyHl7,
        "--shadow",
        hl7,
        "--pair-by",
        "order",
        "--no-default-ignore",
        "--ignore",
        "PID-3",
      ],
      t.dir,
    );
    assert.equal(r.code, 1);
    assert.equal(
      r.out,
      [
        "2 pair(s): 0 identical, 2 differing, 0 missing in shadow, 0 missing in legacy",
        "paired by order; ignored: PID-3",
        "  MSH-10\t2",
        "  MSH-7\t1",
        "differing\t#1\tMSH-7 MSH-10",
        "differing\t#2\tMSH-10",
        "",
      ].join("\n"),
    );
    const same = await cli(["tee", "compare", "--legacy", legacyHl7, "--shadow", legacyHl7], t.dir);
    assert.equal(same.code, 0);
    assert.equal(
      same.out.split("\n")[0],
      "2 pair(s): 2 identical, 0 differing, 0 missing in shadow, 0 missing in legacy",
    );
  });

  it("writes a self-contained HTML report with every value escaped", async () => {
    const out = join(t.dir, "report.html");
    const r = await cli(
      ["tee", "compare", "--legacy", legacyFile, "--shadow", shadowFile, "--html", out],
      t.dir,
    );
    assert.equal(r.code, 1);
    assert.match(r.out, /report: .*report\.html\n$/);
    const html = readFileSync(out, "utf8");
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/);
    assert.match(html, /Test\/synthetic data only/);
    assert.ok(html.includes("&lt;b&gt;TSET&lt;/b&gt;^PATIENT"));
    assert.ok(!html.includes("<b>TSET"));
    assert.ok(!/<script|src="http|href="http/.test(html));
    assert.equal((html.match(/<details class="pair" open>/g) ?? []).length, 4);
  });

  it("says test/synthetic data only in its help", async () => {
    for (const args of [["tee", "--help"], ["--help"]]) {
      const r = await cli(args, t.dir);
      assert.equal(r.code, 0);
      assert.match(r.out.replace(/\s+/g, " "), /Test\/synthetic data only/, args.join(" "));
    }
  });

  it("refuses a bad ignore rule and missing inputs (exit 2)", async () => {
    const bad = await cli(
      ["tee", "compare", "--legacy", legacyFile, "--shadow", shadowFile, "--ignore", "PID"],
      t.dir,
    );
    assert.equal(bad.code, 2);
    assert.match(bad.err, /not a field path/);
    const none = await cli(["tee", "compare", "--legacy", legacyFile], t.dir);
    assert.equal(none.code, 2);
  });

  it("--db compares what the legacy and the shadow engine answered to each frame", async () => {
    const db = join(t.dir, "tee.db");
    const log = new TeeLog(db, plainCodec());
    const ack = (m: string, code: "AA" | "AE", id: string) =>
      Buffer.from(buildAck(parse(m), { code, controlId: id }).encode(), "latin1");
    for (const [i, id] of ["F001", "F002", "F003"].entries()) {
      const body = msg(id);
      const frame = log.record({ conn: 1, body: Buffer.from(body), controlId: id });
      log.settle(frame, "legacy", { status: "acked", code: "AA", ack: ack(body, "AA", `L${i}`) });
      if (id === "F002")
        log.settle(frame, "shadow", { status: "acked", code: "AE", ack: ack(body, "AE", `S${i}`) });
      else if (id === "F001")
        log.settle(frame, "shadow", { status: "acked", code: "AA", ack: ack(body, "AA", `S${i}`) });
      else log.settle(frame, "shadow", { status: "unreachable", error: "refused" });
    }
    log.close();
    const r = await cli(["tee", "compare", "--db", db, "--insecure-no-encryption"], t.dir);
    assert.equal(r.code, 1, r.err);
    assert.equal(
      r.out,
      [
        "3 pair(s): 1 identical, 1 differing, 1 missing in shadow, 0 missing in legacy",
        "paired by order; ignored: MSH-7, MSH-10",
        "  MSA-1\t1",
        "differing\tframe 2\tMSA-1",
        "missing-shadow\tframe 3",
        "",
      ].join("\n"),
    );
  });
});
