/**
 * `messagefoundry sink`, `send` and `scenario run` through the real CLI entry (run(argv)), over real
 * sockets; the scenarios start the real engine on the samples config.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { startSink } from "../../src/harness/index.js";
import { tempDir, writeFiles } from "../support/fixtures.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
// The scenario placeholder for its temporary folder (not a template string).
// biome-ignore lint/suspicious/noTemplateCurlyInString: a scenario file's own placeholder syntax
const TMP = "${tmp}";

interface Captured {
  code: Promise<number>;
  out: () => string;
  err: () => string;
}

function cli(
  args: string[],
  cwd: string,
  opts: { tty?: boolean; onErr?: (s: string) => void } = {},
): Captured {
  let out = "";
  let err = "";
  const io: CliIo = {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
      opts.onErr?.(s);
    },
    cwd,
    env: {},
    isTTY: opts.tty === true,
  };
  return { code: run(["node", "messagefoundry", ...args], io), out: () => out, err: () => err };
}

const adt = (id: string) =>
  `MSH|^~\\&|SENDER|FAC|RECEIVER|FAC|20260101120000||ADT^A01^ADT_A01|${id}|P|2.5.1\rEVN|A01|20260101120000\rPID|1||${id}^^^MRN||TEST^PATIENT||19700101|U\r`;

describe("cli: sink, send and scenario", function () {
  this.timeout(120_000);

  it("sink: answers by its faults, stops after N messages, prints its summary and writes its record and capture", async () => {
    const t = tempDir();
    try {
      let port = 0;
      let listening: () => void = () => {};
      const ready = new Promise<void>((r) => {
        listening = r;
      });
      const sink = cli(
        [
          "sink",
          "--port",
          "0",
          "--ar-rate",
          "100%",
          "--stop-after",
          "3",
          "--record",
          "rec.json",
          "--capture",
          "cap.ndjson",
        ],
        t.dir,
        {
          onErr: (s) => {
            const m = /listening on 127\.0\.0\.1:(\d+)/.exec(s);
            if (m) {
              port = Number(m[1]);
              listening();
            }
          },
        },
      );
      await ready;
      writeFiles(t.dir, {
        "in/a.hl7": `${adt("S1")}\n${adt("S2")}`,
        "in/b.hl7": adt("S3"),
        "in/notes.md": "not a message",
      });
      const send = cli(["send", "--port", String(port), "in"], t.dir);
      assert.equal(await send.code, 1, "AR is not accepted");
      assert.match(send.out(), /a\.hl7#1\tS1\tAR\tsink fault AR/);
      assert.match(send.out(), /b\.hl7\tS3\tAR/);
      const sent = JSON.parse(send.out().trim().split("\n").at(-1) ?? "");
      assert.equal(sent.event, "send");
      assert.deepEqual(sent.codes, { AR: 3 });
      assert.equal(await sink.code, 0);
      const summary = JSON.parse(sink.out());
      assert.equal(summary.received, 3);
      assert.deepEqual(summary.actions, { AA: 0, AE: 0, AR: 3, drop: 0, silent: 0 });
      const rec = JSON.parse(readFileSync(join(t.dir, "rec.json"), "utf8"));
      assert.deepEqual(
        rec.records.map((r: { controlId: string }) => r.controlId),
        ["S1", "S2", "S3"],
      );
      assert.equal(JSON.stringify(rec).includes("TEST^PATIENT"), false, "the record holds no message bodies");
      const cap = readFileSync(join(t.dir, "cap.ndjson"), "utf8").trim().split("\n");
      assert.equal(cap.length, 3);
      assert.match(JSON.parse(cap[0] ?? "").message, /^MSH\|/);
    } finally {
      t.cleanup();
    }
  });

  it("send: generated messages over N connections at a rate, some malformed on purpose; a summary on a terminal", async () => {
    const sink = await startSink();
    try {
      const send = cli(
        [
          "send",
          "--port",
          String(sink.port),
          "--generate",
          "ORU^R01",
          "--count",
          "30",
          "-c",
          "3",
          "-r",
          "300",
          "--malformed-rate",
          "0.3",
          "--seed",
          "4",
        ],
        ROOT,
        { tty: true },
      );
      assert.equal(await send.code, 0, send.err() + send.out());
      const out = send.out();
      assert.match(out, /^\d+\/30 accepted \(AA \d+ · AR \d+\), \d+ malformed on purpose\n/);
      assert.match(out, /latency ms: p50 [\d.]+ · p95 [\d.]+ · p99 [\d.]+ · max [\d.]+\n/);
      assert.match(out, /msg\/s over 3 connection\(s\), open loop at 300 msg\/s/);
      assert.match(send.err(), /\rsend: 30\/30 · 0 unexpected/);
      assert.equal(sink.summary().received, 30);
    } finally {
      await sink.close();
    }
  });

  it("send: usage errors exit 2 with one line", async () => {
    for (const [args, message] of [
      [["send", "--port", "1"], /give files or folders to send, or --generate/],
      [["send", "--port", "1", "--generate", "ADT^Z99"], /unknown --generate type/],
      [["send", "--port", "1", "--generate", "ADT^A01", "--malformed-rate", "2"], /--malformed-rate must be/],
      [["sink", "--port", "0", "--delay", "gamma:1"], /--delay: not a delay distribution/],
      [["sink", "--port", "0", "--ae-rate", "0.6", "--ar-rate", "0.6"], /add up to more than 1/],
      [["sink", "--port", "0", "--rule", "X=maybe"], /--rule must be CONTROL_ID=/],
    ] as const) {
      const r = cli([...args], ROOT);
      assert.equal(await r.code, 2, args.join(" "));
      assert.match(r.err(), message);
    }
  });

  it("scenario run: the samples' scenarios pass and are written as JUnit XML", async () => {
    const t = tempDir();
    try {
      const junit = join(t.dir, "scenarios.xml");
      const r = cli(
        [
          "scenario",
          "run",
          "samples/scenarios/adt-billing.json",
          "samples/scenarios/lab-results.toml",
          "--junit",
          junit,
        ],
        ROOT,
      );
      assert.equal(await r.code, 0, r.out() + r.err());
      const lines = r
        .out()
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((l) => [l.file, l.ok]),
        [
          ["samples/scenarios/adt-billing.json", true],
          ["samples/scenarios/lab-results.toml", true],
        ],
      );
      const xml = readFileSync(junit, "utf8");
      assert.match(xml, /<testsuites name="messagefoundry scenarios" tests="7" failures="0" errors="0"/);
      assert.match(
        xml,
        /<testcase classname="ADT reaches billing[^"]*" name="1 dead letter\(s\) on OB_BILLING_ADT"\/>/,
      );
      assert.match(xml, /name="disposition of LAB000002 is FILTERED"\/>/);
    } finally {
      t.cleanup();
    }
  });

  it("scenario run: a failed expectation and a broken file exit 1, each a failure or error in the XML", async () => {
    const t = tempDir();
    try {
      writeFiles(t.dir, {
        "wrong.json": JSON.stringify({
          name: "expects too much",
          engine: {
            config: join(ROOT, "samples", "config"),
            env: "dev",
            values: {
              clinic_oru_dir: `${TMP}/oru`,
              emr_adt_dir: `${TMP}/emr`,
              billing_archive_dir: `${TMP}/b`,
              drop_dir: `${TMP}/d`,
              drop_done_dir: `${TMP}/d/done`,
              ris_out_dir: `${TMP}/r`,
              rte_archive_dir: `${TMP}/ra`,
              rte_worklist_dir: `${TMP}/rw`,
            },
          },
          send: [{ inbound: "IB_LAB_ORU", files: [join(ROOT, "samples", "messages", "oru_r01_normal.hl7")] }],
          expect: { acks: { AA: 1 }, dispositions: { LAB000002: "PROCESSED" }, timeoutMs: 1500 },
        }),
        "broken.json": JSON.stringify({ engine: { config: "." }, send: [{ inbound: "X" }] }),
      });
      const r = cli(["scenario", "run", "wrong.json", "broken.json", "--junit", "out.xml"], t.dir, {
        tty: true,
      });
      assert.equal(await r.code, 1);
      assert.match(r.out(), /FAIL expects too much/);
      assert.match(r.out(), /ok {3}ACK codes/);
      assert.match(r.out(), /FAIL disposition of LAB000002 is PROCESSED: got FILTERED/);
      assert.match(r.out(), /error: broken\.json: send\[0\]: give files or generate/);
      assert.match(r.out(), /0\/2 scenario\(s\) passed/);
      const xml = readFileSync(join(t.dir, "out.xml"), "utf8");
      assert.match(xml, /<failure message="got FILTERED"\/>/);
      assert.match(xml, /<testsuite name="broken.json"[^>]*errors="1"/);
    } finally {
      t.cleanup();
    }
  });
});
