import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { readRegularFile } from "../../src/transports/file-inbound.js";
import {
  ConnectorConfigError,
  createInbound,
  createOutbound,
  type InboundConnector,
  type ReceiveResult,
} from "../../src/transports/index.js";
import { adt, context, tempDir, until } from "./helpers.js";

describe("transports/file inbound", () => {
  let tmp: ReturnType<typeof tempDir>;
  let ib: InboundConnector | undefined;
  beforeEach(() => {
    tmp = tempDir();
    mkdirSync(join(tmp.dir, "in"));
  });
  afterEach(async () => {
    await ib?.stop();
    ib = undefined;
    tmp.cleanup();
  });

  const inDir = () => join(tmp.dir, "in");

  async function start(
    settings: Record<string, unknown>,
    result: () => Promise<ReceiveResult> = async () => ({ accepted: true }),
  ) {
    const got: { name?: string; body: string }[] = [];
    ib = createInbound("file", "IB_TEST_FILE", {
      directory: inDir(),
      pollIntervalMs: 20,
      stableMs: 0,
      ...settings,
    });
    const ctx = context(async (payload, meta) => {
      assert.equal(meta.transport, "file");
      got.push({ name: meta.filename, body: payload.toString() });
      return result();
    });
    await ib.start(ctx);
    return { got, ctx };
  }

  it("reads matching files oldest first and moves them to moveTo after acceptance", async () => {
    writeFileSync(join(inDir(), "b.hl7"), adt("B"));
    writeFileSync(join(inDir(), "a.hl7"), adt("A"));
    writeFileSync(join(inDir(), "notes.txt"), "ignore me");
    writeFileSync(join(inDir(), ".hidden.hl7"), "ignore me too");
    const now = Date.now() / 1000;
    utimesSync(join(inDir(), "b.hl7"), now - 100, now - 100);
    utimesSync(join(inDir(), "a.hl7"), now - 50, now - 50);
    const moveTo = join(tmp.dir, "done");
    const { got } = await start({ pattern: "*.{hl7,HL7}", moveTo });
    await until(() => got.length === 2);
    assert.deepEqual(
      got.map((g) => g.name),
      ["b.hl7", "a.hl7"],
    );
    assert.equal(got.find((g) => g.name === "a.hl7")!.body, adt("A"));
    await until(() => readdirSync(moveTo).length === 2);
    assert.deepEqual(readdirSync(inDir()).sort(), [".hidden.hl7", "notes.txt"]);
    // Same name again later: kept beside the first, not overwritten.
    writeFileSync(join(inDir(), "a.hl7"), adt("A2"));
    await until(() => readdirSync(moveTo).length === 3);
    assert.equal(readFileSync(join(moveTo, "a-1.hl7"), "utf8"), adt("A2"));
    assert.equal(ib!.state.messages, 3);
  });

  it("deletes after acceptance when afterRead is delete", async () => {
    writeFileSync(join(inDir(), "x.hl7"), adt("X"));
    const { got } = await start({ afterRead: "delete" });
    await until(() => got.length === 1 && !existsSync(join(inDir(), "x.hl7")));
    assert.deepEqual(readdirSync(inDir()), []);
  });

  it("waits until a file is stable, so a file still being written is never read partially", async () => {
    const path = join(inDir(), "growing.hl7");
    writeFileSync(path, "MSH|^~\\&|PART");
    const { got } = await start({ stableMs: 1000 });
    // Keep appending much faster than stableMs: the connector must not take the file meanwhile.
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 30));
      appendFileSync(path, `|${i}`);
      assert.equal(got.length, 0);
    }
    await until(() => got.length === 1);
    assert.equal(got[0]!.body, "MSH|^~\\&|PART|0|1|2|3|4|5");
  });

  it("leaves a file in place when the intake fails, and takes it on a later poll", async () => {
    writeFileSync(join(inDir(), "retry.hl7"), adt("R"));
    let calls = 0;
    const { got } = await start({ afterRead: "delete" }, async () => {
      if (++calls === 1) throw new Error("store busy");
      return { accepted: true };
    });
    await until(() => got.length === 2 && !existsSync(join(inDir(), "retry.hl7")));
    assert.equal(got[0]!.body, got[1]!.body);
  });

  it("moves a file the intake did not accept to errorTo", async () => {
    writeFileSync(join(inDir(), "bad.hl7"), "not hl7");
    const errorTo = join(tmp.dir, "errors");
    const { got } = await start({ errorTo }, async () => ({ accepted: false }));
    await until(() => existsSync(join(errorTo, "bad.hl7")));
    assert.equal(got.length, 1);
    assert.ok(!existsSync(join(inDir(), "bad.hl7")));
  });

  it("without errorTo, a rejected file stays and is not re-read until it changes", async () => {
    const path = join(inDir(), "bad.hl7");
    writeFileSync(path, "not hl7");
    const { got, ctx } = await start({}, async () => ({ accepted: false }));
    await until(() => got.length === 1);
    // Several more polls happen; the unchanged file is skipped.
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(got.length, 1);
    assert.ok(existsSync(path));
    assert.ok(ctx.log.entries.some((e) => e.level === "debug" && e.obj.file === "bad.hl7"));
    writeFileSync(path, "changed content");
    await until(() => got.length === 2);
  });

  it("reports an unreadable directory in state and recovers when it appears", async () => {
    const missing = join(tmp.dir, "later");
    ib = createInbound("file", "IB_TEST_FILE", {
      directory: missing,
      pollIntervalMs: 20,
      stableMs: 0,
      afterRead: "delete",
    });
    const got: string[] = [];
    const ctx = context(async (p) => {
      got.push(p.toString());
      return { accepted: true };
    });
    await ib.start(ctx);
    await until(() => ib!.state.status === "error");
    assert.match(ib.state.lastError!, /ENOENT/);
    mkdirSync(missing);
    writeFileSync(join(missing, "m.hl7"), "MSH|late");
    await until(() => got.length === 1 && ib!.state.status === "listening");
  });

  /** a.hl7 (older) and b.hl7; `during` runs while the intake holds a.hl7, after the poll listed both. */
  async function raceAfterListing(maxFileBytes: number, during: (b: string) => void) {
    const a = join(inDir(), "a.hl7");
    const b = join(inDir(), "b.hl7");
    writeFileSync(a, adt("A"));
    writeFileSync(b, adt("B"));
    const now = Date.now() / 1000;
    utimesSync(a, now - 100, now - 100);
    const errorTo = join(tmp.dir, "errors");
    const seen: { name?: string; size: number }[] = [];
    ib = createInbound("file", "IB_TEST_FILE", {
      directory: inDir(),
      pollIntervalMs: 20,
      stableMs: 0,
      maxFileBytes,
      errorTo,
    });
    const ctx = context(async (payload, meta) => {
      seen.push({ name: meta.filename, size: payload.length });
      if (meta.filename === "a.hl7") during(b);
      return { accepted: true };
    });
    await ib.start(ctx);
    await until(() => existsSync(join(errorTo, "b.hl7")));
    return { seen, ctx, errorTo };
  }

  it("never follows a symlink: one swapped in after the listing is not read, but moved to errorTo", async () => {
    const outside = join(tmp.dir, "outside.hl7");
    writeFileSync(outside, adt("OUTSIDE_SECRET"));
    const { seen, errorTo } = await raceAfterListing(1024 * 1024, (b) => {
      unlinkSync(b);
      symlinkSync(outside, b);
    });
    assert.deepEqual(
      seen.map((x) => x.name),
      ["a.hl7"],
    );
    assert.equal(readFileSync(outside, "utf8"), adt("OUTSIDE_SECRET"), "the target is left alone");
    assert.ok(readdirSync(errorTo).includes("b.hl7"));
    // A symlink dropped in plainly is not read either.
    symlinkSync(outside, join(inDir(), "c.hl7"));
    writeFileSync(join(inDir(), "d.hl7"), adt("D"));
    await until(() => seen.length === 2);
    assert.deepEqual(
      seen.map((x) => x.name),
      ["a.hl7", "d.hl7"],
    );
  });

  it("reads at most maxFileBytes: a file that grows past the limit after the listing is not taken", async () => {
    const { seen, ctx } = await raceAfterListing(1000, (b) =>
      appendFileSync(b, Buffer.alloc(1024 * 1024, 0x41)),
    );
    assert.deepEqual(
      seen.map((x) => x.name),
      ["a.hl7"],
    );
    assert.ok(ctx.log.entries.some((e) => /file not read: .*maxFileBytes/.test(e.msg ?? "")));
  });

  it("readRegularFile: refuses a symlink and a FIFO (without blocking), caps the bytes read", async () => {
    const target = join(tmp.dir, "t.txt");
    writeFileSync(target, "0123456789");
    symlinkSync(target, join(tmp.dir, "link"));
    assert.equal(await readRegularFile(join(tmp.dir, "link"), 100), "it is a symbolic link");
    execFileSync("mkfifo", [join(tmp.dir, "fifo")]);
    assert.equal(await readRegularFile(join(tmp.dir, "fifo"), 100), "not a regular file");
    assert.equal(await readRegularFile(target, 9), "10 bytes exceed maxFileBytes (9)");
    assert.equal((await readRegularFile(target, 10)).toString(), "0123456789");
    assert.equal(await readRegularFile(join(tmp.dir, "empty"), 10).catch((e) => e.code), "ENOENT");
  });

  it("accepts the connections.toml spellings path, pollMs and deleteAfterRead", async () => {
    writeFileSync(join(inDir(), "t.hl7"), "MSH|toml");
    ib = createInbound("file", "IB_TOML", { path: inDir(), pollMs: 20, stableMs: 0, deleteAfterRead: true });
    const got: string[] = [];
    await ib.start(
      context(async (p) => {
        got.push(p.toString());
        return { accepted: true };
      }),
    );
    await until(() => got.length === 1 && !existsSync(join(inDir(), "t.hl7")));
    assert.ok(!existsSync(join(inDir(), "processed")), "deleted, not moved");
  });

  it("validates settings with positioned errors", () => {
    assert.throws(() => createInbound("file", "IB_F", {}), /IB_F: setting 'directory': is required/);
    assert.throws(
      () => createInbound("file", "IB_F", { directory: "/x", afterRead: "copy" }),
      (e: unknown) => e instanceof ConnectorConfigError && e.setting === "afterRead",
    );
    assert.throws(
      () => createInbound("file", "IB_F", { directory: "/x", pattern: "{a,b" }),
      /setting 'pattern': unclosed/,
    );
  });
});

describe("transports/file outbound", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  const hint = (id: string) => ({ messageId: `m-${id}`, controlId: id, filenameHint: { "MSH-10": id } });

  it("writes atomically under a templated name, creating the directory, leaving no temp files", async () => {
    const dir = join(tmp.dir, "out", "adt");
    const ob = createOutbound("file", "OB_TEST_FILE", { directory: dir, filename: "{MSH-10}.hl7" });
    const r = await ob.send(Buffer.from(adt("CTRL1")), hint("CTRL1"));
    assert.equal(r.status, "ok");
    assert.deepEqual(readdirSync(dir), ["CTRL1.hl7"]);
    assert.equal(readFileSync(join(dir, "CTRL1.hl7"), "utf8"), adt("CTRL1"));
    await ob.close();
  });

  it("never shows a partial file to a concurrent reader", async () => {
    const dir = tmp.dir;
    const big = Buffer.alloc(4 * 1024 * 1024, 0x41);
    const ob = createOutbound("file", "OB_TEST_FILE", { directory: dir, filename: "{messageId}.dat" });
    let done = false;
    const seen = new Set<number>();
    const watcher = (async () => {
      while (!done) {
        for (const name of readdirSync(dir)) {
          if (name === "m-BIG.dat") seen.add(readFileSync(join(dir, name)).length);
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    const r = await ob.send(big, hint("BIG"));
    done = true;
    await watcher;
    assert.equal(r.status, "ok");
    for (const size of seen) assert.equal(size, big.length);
    assert.deepEqual(readdirSync(dir), ["m-BIG.dat"]);
  });

  it("onExists: suffix keeps both, overwrite replaces, wait retries until the file is gone", async () => {
    const payload = (s: string) => Buffer.from(s);
    const suffix = createOutbound("file", "OB_S", { directory: tmp.dir, filename: "out.txt" });
    assert.equal((await suffix.send(payload("1"), hint("1"))).status, "ok");
    assert.equal((await suffix.send(payload("2"), hint("2"))).status, "ok");
    assert.deepEqual(readdirSync(tmp.dir).sort(), ["out-1.txt", "out.txt"]);

    const over = createOutbound("file", "OB_O", {
      directory: tmp.dir,
      filename: "out.txt",
      onExists: "overwrite",
    });
    assert.equal((await over.send(payload("3"), hint("3"))).status, "ok");
    assert.equal(readFileSync(join(tmp.dir, "out.txt"), "utf8"), "3");

    const wait = createOutbound("file", "OB_W", {
      directory: tmp.dir,
      filename: "out.txt",
      onExists: "wait",
    });
    const r = await wait.send(payload("4"), hint("4"));
    assert.equal(r.status, "retry");
    assert.match(r.error!, /already exists/);
    assert.equal(readFileSync(join(tmp.dir, "out.txt"), "utf8"), "3");
    assert.deepEqual(readdirSync(tmp.dir).sort(), ["out-1.txt", "out.txt"], "no temp file left behind");
  });

  it("a template value without a source is permanent; field values cannot escape the directory", async () => {
    const ob = createOutbound("file", "OB_T", { directory: tmp.dir, filename: "{PV1-19}.hl7" });
    const r = await ob.send(Buffer.from("x"), hint("1"));
    assert.equal(r.status, "permanent");
    assert.match(r.error!, /no value for \{PV1-19\}/);

    const ob2 = createOutbound("file", "OB_T2", { directory: tmp.dir, filename: "{MSH-10}.hl7" });
    assert.equal((await ob2.send(Buffer.from("x"), hint("../../etc/passwd"))).status, "ok");
    assert.deepEqual(readdirSync(tmp.dir), [".._.._etc_passwd.hl7"]);
  });

  it("supports subfolders and built-in keys in the template", async () => {
    const ob = createOutbound("file", "OB_D", {
      directory: tmp.dir,
      filename: "{date}/{controlId}-{messageId}.hl7",
    });
    assert.equal((await ob.send(Buffer.from("x"), hint("C9"))).status, "ok");
    const [day] = readdirSync(tmp.dir);
    assert.match(day!, /^\d{8}$/);
    assert.deepEqual(readdirSync(join(tmp.dir, day!)), ["C9-m-C9.hl7"]);
  });

  it("counts writes with {seq} and takes {messageType} from the hint", async () => {
    const ob = createOutbound("file", "OB_SEQ", { path: tmp.dir, filename: "{messageType}-{seq}.hl7" });
    for (const id of ["1", "2"]) {
      const r = await ob.send(Buffer.from("x"), { messageId: id, filenameHint: { messageType: "ADT^A01" } });
      assert.equal(r.status, "ok");
    }
    assert.deepEqual(readdirSync(tmp.dir).sort(), ["ADT_A01-1.hl7", "ADT_A01-2.hl7"]);
  });

  it("a file name the file system refuses is permanent (dead letter), not a retry; the next message is written", async () => {
    const ob = createOutbound("file", "OB_LONG", { directory: tmp.dir, filename: "{MSH-10}.hl7" });
    const long = await ob.send(Buffer.from("x"), hint("A".repeat(300))); // > 255 bytes: ENAMETOOLONG
    assert.equal(long.status, "permanent");
    assert.equal(long.error, "ENAMETOOLONG: the file system refused the file name");
    // A long name that does fit is written (the temp name is kept short).
    assert.equal((await ob.send(Buffer.from("y"), hint("B".repeat(240)))).status, "ok");
    assert.deepEqual(readdirSync(tmp.dir), [`${"B".repeat(240)}.hl7`], "no temp file left behind");
    await ob.close();
    // A NUL byte in the name (from the template itself: field values are sanitised) is refused too.
    const nul = createOutbound("file", "OB_NUL", { directory: tmp.dir, filename: "a\u0000{MSH-10}.hl7" });
    const r = await nul.send(Buffer.from("x"), hint("1"));
    assert.equal(r.status, "permanent");
    assert.match(r.error!, /refused the file name/);
  });

  it("a too-long configured directory stays a retry (the setting is wrong, not the message)", async () => {
    const ob = createOutbound("file", "OB_DIR", { directory: join(tmp.dir, "D".repeat(300)) });
    const r = await ob.send(Buffer.from("x"), hint("1"));
    assert.equal(r.status, "retry");
    assert.match(r.error!, /ENAMETOOLONG/);
  });

  it("an unwritable directory is a retry, not a crash", async () => {
    writeFileSync(join(tmp.dir, "blocker"), "a file where a directory should be");
    const ob = createOutbound("file", "OB_X", { directory: join(tmp.dir, "blocker", "sub") });
    const r = await ob.send(Buffer.from("x"), hint("1"));
    assert.equal(r.status, "retry");
    assert.match(r.error!, /ENOTDIR|EEXIST/);
  });
});
