/**
 * The tee relay end to end: `tee run` as a child process between a real MLLP sender and two
 * `messagefoundry sink` processes (legacy and shadow, capturing NDJSON) that the tests kill -9, its
 * log a real SQLite file sealed with a store key.
 * Synthetic patients only.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "mocha";
import { parse } from "../../src/hl7/index.js";
import { codecFromEnv, generateStoreKey } from "../../src/store/index.js";
import { TeeLog } from "../../src/tee/index.js";
import { cli } from "../cli/harness.js";
import { adt, freePort, MllpSender, tempDir, until } from "../runtime/helpers.js";
import { type SinkProcess, startSink, startTee, type TeeProcess } from "./tee-process.js";

/** How many frames the shadow has answered, read from the tee's log (a second reader of the file). */
function shadowAcked(db: string, env: Record<string, string>): number {
  return counts(db, env).shadow.acked ?? 0;
}

function counts(db: string, env: Record<string, string>): ReturnType<TeeLog["counts"]> {
  const log = new TeeLog(db, codecFromEnv(env), { create: false });
  try {
    return log.counts();
  } finally {
    log.close();
  }
}

const ids = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(3, "0")}`);

describe("tee run: legacy ACK pass-through, shadow isolation, fail closed", function () {
  this.timeout(90_000);
  const t = tempDir("mf-tee-");
  const db = join(t.dir, "tee.db");
  const legacyCapture = join(t.dir, "legacy.ndjson");
  const shadowCapture = join(t.dir, "shadow.ndjson");
  const env = { MEFOR_STORE_KEY: generateStoreKey() };
  let legacy: SinkProcess;
  let shadow: SinkProcess;
  let tee: TeeProcess;
  let sender: MllpSender;

  before(async () => {
    // The legacy engine refuses one message: the sender must see that refusal, byte for byte.
    legacy = await startSink(legacyCapture, ["--rule", "DEF002=AE"]);
    shadow = await startSink(shadowCapture);
    tee = await startTee(
      [
        "--listen",
        String(await freePort()),
        "--legacy",
        `127.0.0.1:${legacy.port}`,
        "--shadow",
        `127.0.0.1:${shadow.port}`,
        "--db",
        db,
        "--legacy-timeout",
        "5000",
      ],
      env,
    );
    sender = await MllpSender.connect(tee.port);
  });
  after(async () => {
    sender?.close();
    await tee?.stop().catch(() => undefined);
    await legacy?.kill();
    await shadow?.kill();
    t.cleanup();
  });

  it("answers the upstream with the legacy engine's own ACK bytes (AA and AE alike)", async () => {
    const replies: Buffer[] = [];
    for (const id of ids("DEF", 3)) replies.push(await sender.exchange(adt(id)));
    assert.deepEqual(
      replies.map((r) => parse(r.toString("latin1")).get("MSA-1")),
      ["AA", "AE", "AA"],
    );
    assert.equal(parse(replies[1]!.toString("latin1")).get("MSA-3"), "sink fault AE");
    await until(() => shadowAcked(db, env) === 3);
    const log = new TeeLog(db, codecFromEnv(env), { create: false });
    try {
      const frames = [...log.frames()];
      assert.deepEqual(
        frames.map((f) => [f.controlId, f.legacy.status, f.legacy.code, f.upstreamCode]),
        [
          ["DEF001", "acked", "AA", "AA"],
          ["DEF002", "acked", "AE", "AE"],
          ["DEF003", "acked", "AA", "AA"],
        ],
      );
      // What the sender got is exactly what the legacy engine sent.
      assert.deepEqual(
        frames.map((f) => f.legacy.ack),
        replies,
      );
      assert.deepEqual(
        frames.map((f) => f.body.toString("latin1")),
        ids("DEF", 3).map((id) => adt(id)),
      );
    } finally {
      log.close();
    }
    await until(() => legacy.ids().length === 3 && shadow.ids().length === 3); // captures are appended
    assert.deepEqual(legacy.ids(), ids("DEF", 3));
    assert.deepEqual(shadow.ids(), ids("DEF", 3));
    // The same bytes reached both.
    assert.deepEqual(legacy.messages(), shadow.messages());
    // Sealed at rest: no message text in the file or its WAL.
    for (const file of [db, `${db}-wal`].filter((f) => existsSync(f)))
      assert.equal(readFileSync(file).includes("TEST^PATIENT"), false, file);
  });

  it("kill -9 the shadow mid-run: every message still ACKed by and delivered to the legacy, in order", async () => {
    const batch = ids("SHD", 20);
    const codes: string[] = [];
    for (const [i, id] of batch.entries()) {
      if (i === 10) {
        // Once the shadow has answered (and captured) 13 copies (3 earlier + 10), it dies.
        await until(() => shadowAcked(db, env) === 13 && shadow.ids().length === 13);
        await shadow.kill();
      }
      codes.push(await sender.send(adt(id)));
    }
    assert.deepEqual(
      codes,
      batch.map(() => "AA"),
    );
    await until(() => legacy.ids().length === 23);
    assert.deepEqual(legacy.ids().slice(3), batch);
    assert.deepEqual(shadow.ids().slice(3), batch.slice(0, 10));
    // The shadow comes back on its port: the queued copies follow, in order.
    shadow = await startSink(shadowCapture, [], shadow.port);
    await until(() => shadowAcked(db, env) === 23 && shadow.ids().length === 23);
    assert.deepEqual(shadow.ids().slice(3), batch);
  });

  it("kill -9 the legacy: the upstream gets NAKs (AE, never AA) and `tee naks` lists them", async () => {
    await until(() => legacy.ids().length === 23);
    await legacy.kill();
    const replies: string[] = [];
    for (const id of ids("DWN", 3)) replies.push((await sender.exchange(adt(id))).toString("latin1"));
    for (const [i, r] of replies.entries()) {
      const ack = parse(r);
      assert.equal(ack.get("MSA-1"), "AE");
      assert.equal(ack.get("MSA-2"), `DWN00${i + 1}`);
      assert.match(ack.get("MSA-3") ?? "", /^legacy engine unreachable: 127\.0\.0\.1:\d+: ECONNREFUSED$/);
    }
    // The shadow still gets its copies.
    await until(() => shadowAcked(db, env) === 26 && shadow.ids().length === 26);
    const naks = await cli(["tee", "naks", "--db", db, "--json"], t.dir, env);
    assert.equal(naks.code, 0, naks.err);
    const rows = JSON.parse(naks.out) as { controlId: string; legacy: string; upstream: string }[];
    assert.deepEqual(
      rows.map((r) => [r.controlId, r.legacy, r.upstream]),
      [
        ["DEF002", "AE", "AE"],
        ["DWN001", "unreachable", "AE"],
        ["DWN002", "unreachable", "AE"],
        ["DWN003", "unreachable", "AE"],
      ],
    );
  });

  it("stops on SIGTERM with its counters", async () => {
    sender.close();
    const stopped = await tee.stop();
    assert.deepEqual(stopped.answered, { AA: 22, AE: 4 });
    assert.deepEqual(stopped.legacy, { acked: 23, unreachable: 3, timeout: 0 });
    assert.deepEqual((stopped.log as { legacy: unknown }).legacy, { acked: 23, unreachable: 3 });
    assert.deepEqual((stopped.log as { shadow: unknown }).shadow, { acked: 26 });
  });

  it("tee compare on the two sinks' captures: what the legacy never got is missing there", async () => {
    const r = await cli(["tee", "compare", "--legacy", legacyCapture, "--shadow", shadowCapture], t.dir);
    assert.equal(r.code, 1, r.err);
    assert.equal(
      r.out,
      [
        "26 pair(s): 23 identical, 0 differing, 0 missing in shadow, 3 missing in legacy",
        "paired by MSH-10; ignored: MSH-7, MSH-10",
        "missing-legacy\tDWN001",
        "missing-legacy\tDWN002",
        "missing-legacy\tDWN003",
        "",
      ].join("\n"),
    );
  });
});

describe("tee run --ack-on-receipt", function () {
  this.timeout(60_000);
  const t = tempDir("mf-tee-aor-");
  const db = join(t.dir, "tee.db");
  const env = { MEFOR_STORE_KEY: generateStoreKey() };
  let tee: TeeProcess;
  let shadow: SinkProcess;
  let legacy: SinkProcess | undefined;

  after(async () => {
    await tee?.stop().catch(() => undefined);
    await shadow?.kill();
    await legacy?.kill();
    t.cleanup();
  });

  it("ACKs AA once logged even when the legacy is down; the failures are listed and exportable", async () => {
    const legacyPort = await freePort(); // nobody listens
    shadow = await startSink(join(t.dir, "shadow.ndjson"));
    tee = await startTee(
      [
        "--listen",
        String(await freePort()),
        "--legacy",
        `127.0.0.1:${legacyPort}`,
        "--shadow",
        `127.0.0.1:${shadow.port}`,
        "--db",
        db,
        "--ack-on-receipt",
      ],
      env,
    );
    const sender = await MllpSender.connect(tee.port);
    const codes: string[] = [];
    for (const id of ids("AOR", 3)) codes.push(await sender.send(adt(id)));
    assert.deepEqual(codes, ["AA", "AA", "AA"]);
    await until(() => counts(db, env).legacy.unreachable === 3);
    // The legacy comes up: later frames reach it.
    const up = await startSink(join(t.dir, "legacy.ndjson"), [], legacyPort);
    legacy = up;
    assert.equal(await sender.send(adt("AOR004")), "AA");
    await until(() => counts(db, env).legacy.acked === 1 && shadowAcked(db, env) === 4);
    sender.close();
    await tee.stop();
    await until(() => up.ids().length === 1 && shadow.ids().length === 4);
    assert.deepEqual(up.ids(), ["AOR004"]);
    assert.deepEqual(shadow.ids(), ids("AOR", 4));

    const naks = await cli(["tee", "naks", "--db", db], t.dir, env);
    assert.equal(naks.code, 0, naks.err);
    assert.match(naks.out, /\tAOR001\tunreachable\t/);
    assert.match(naks.out, /3 frame\(s\) not accepted by the legacy engine\n$/);

    const exported = await cli(["tee", "export", "--db", db, "--naks"], t.dir, env);
    assert.equal(exported.code, 0, exported.err);
    assert.equal(
      exported.out,
      ids("AOR", 3)
        .map((id) => `${adt(id)}\r\n`)
        .join(""),
    );
    const nd = await cli(["tee", "export", "--db", db, "--format", "ndjson"], t.dir, env);
    const records = nd.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      records.map((r) => [r.controlId, (r.legacy as { status: string }).status, r.upstream, r.message]),
      [
        ["AOR001", "unreachable", "AA", adt("AOR001")],
        ["AOR002", "unreachable", "AA", adt("AOR002")],
        ["AOR003", "unreachable", "AA", adt("AOR003")],
        ["AOR004", "acked", "AA", adt("AOR004")],
      ],
    );
    // Without the key the bodies cannot be read.
    const noKey = await cli(["tee", "export", "--db", db], t.dir, {});
    assert.equal(noKey.code, 2);
    assert.match(noKey.err, /MEFOR_STORE_KEY is not set/);

    const purged = await cli(["tee", "purge", "--db", db, "--before", "2000-01-01"], t.dir, env);
    assert.equal(purged.out, "0 frame(s) purged\n");
    const all = await cli(["tee", "purge", "--db", db, "--all"], t.dir, env);
    assert.equal(all.out, "4 frame(s) purged\n");
    const empty = await cli(["tee", "export", "--db", db, "--format", "ndjson"], t.dir, env);
    assert.equal(empty.out, "");
    const bad = await cli(["tee", "purge", "--db", db], t.dir, env);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /give --before <date> or --all/);
  });
});

describe("tee run: a silent legacy times out (AE), a dead shadow's queue overflows", function () {
  this.timeout(90_000);
  const t = tempDir("mf-tee-ovf-");
  const db = join(t.dir, "tee.db");
  const env = { MEFOR_STORE_KEY: generateStoreKey() };
  let tee: TeeProcess | undefined;
  let legacy: SinkProcess | undefined;

  after(async () => {
    await tee?.stop().catch(() => undefined);
    await legacy?.kill();
    t.cleanup();
  });

  it("answers AE for the unanswered frame, then carries on; overflow is counted, recorded and warned once", async () => {
    legacy = await startSink(join(t.dir, "legacy.ndjson"), ["--rule", "OVF002=silent"]);
    tee = await startTee(
      [
        "--listen",
        String(await freePort()),
        "--legacy",
        `127.0.0.1:${legacy.port}`,
        "--shadow",
        `127.0.0.1:${await freePort()}`, // nobody listens: the shadow is down throughout
        "--db",
        db,
        "--legacy-timeout",
        "500",
        "--shadow-queue",
        "2",
      ],
      env,
    );
    const sender = await MllpSender.connect(tee.port);
    const replies: string[] = [];
    for (const id of ids("OVF", 5)) replies.push((await sender.exchange(adt(id))).toString("latin1"));
    sender.close();
    assert.deepEqual(
      replies.map((r) => parse(r).get("MSA-1")),
      ["AA", "AE", "AA", "AA", "AA"],
    );
    assert.equal(parse(replies[1]!).get("MSA-3"), "legacy engine timeout: no answer in 500 ms");
    await until(() => legacy!.ids().length === 5); // the sink appends its capture line by line
    assert.deepEqual(legacy.ids(), ids("OVF", 5));
    const stopped = await tee.stop();
    assert.deepEqual(stopped.shadow, { sent: 0, failed: 0, overflow: 3, queued: 2, connected: false });
    assert.deepEqual((stopped.log as { shadow: unknown }).shadow, { overflow: 3, pending: 2 });
    assert.deepEqual(
      tee.events.filter((e) => e.event === "tee.shadow.overflow").map((e) => [e.level, e.overflow]),
      [["warn", 1]],
    );
    // No message body in anything the tee printed.
    assert.equal(JSON.stringify(tee.events).includes("TEST^PATIENT"), false);
  });
});
