/**
 * The remote-file connectors (sftp, ftp, ftps explicit and implicit) against real servers: the test's
 * own OpenSSH sftp server and vsftpd, started by the test services. Inbound: stable check, order, the
 * after-read actions only after the intake accepted, bounded reads; outbound: temp name then rename,
 * retry vs permanent; SFTP host key pinning; FTPS certificate checks.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { faultProxy, ftpServer, sftpServer } from "@messagefoundry/test-services";
import { FTPError } from "basic-ftp";
import { createInbound, createOutbound, FtpDir } from "../../src/transports/index.js";
import { tempDir } from "../support/fixtures.js";
import { adt, captureLog, context, until } from "./helpers.js";
import { freshDir, VARIANTS } from "./remote-rig.js";

const meta = (id: string) => ({ messageId: id, controlId: id, filenameHint: { "MSH-10": id } });

/** Writes a file the way a sender would, with an mtime `ageS` seconds in the past. */
function put(dir: string, name: string, body: string, ageS = 10): void {
  const p = join(dir, name);
  writeFileSync(p, body);
  const t = Date.now() / 1000 - ageS;
  utimesSync(p, t, t);
}

/** An intake stand-in that records each payload and accepts it. */
function collect(got: string[]) {
  return async (p: Buffer) => {
    got.push(p.toString());
    return { accepted: true };
  };
}

for (const v of VARIANTS) {
  describe(`transports/${v.label}`, function () {
    this.timeout(60_000);
    let server: Record<string, unknown>;
    let root: string;

    before(async function () {
      this.timeout(600_000); // a first run installs openssh-server / vsftpd
      server = await v.server();
      root = await v.root();
    });

    it("inbound: reads stable matching files oldest first, moves each only after the intake accepted it", async () => {
      const dir = freshDir(root);
      put(dir, "b.hl7", adt("B"), 20);
      put(dir, "a.hl7", adt("A"), 30);
      put(dir, "skip.txt", "not matched", 40);
      const got: string[] = [];
      const seenAtReceive: boolean[] = [];
      const ib = createInbound(v.transport, "IB_REMOTE", {
        ...server,
        path: dir,
        pattern: "*.hl7",
        pollMs: 30,
      });
      await ib.start(
        context(async (payload, m) => {
          seenAtReceive.push(existsSync(join(dir, m.filename!)));
          got.push(payload.toString());
          return { accepted: true };
        }),
      );
      await until(() => got.length === 2 && existsSync(join(dir, "processed", "b.hl7")));
      await ib.stop();
      assert.deepEqual(got, [adt("A"), adt("B")]);
      assert.deepEqual(seenAtReceive, [true, true], "the file is still there while receive runs");
      assert.deepEqual(readdirSync(join(dir, "processed")).sort(), ["a.hl7", "b.hl7"]);
      assert.ok(existsSync(join(dir, "skip.txt")));
      assert.equal(ib.state.messages, 2);
    });

    it("inbound: a file still growing is not read until it looks the same on two polls", async () => {
      const dir = freshDir(root);
      put(dir, "grow.hl7", "MSH|partial", 0);
      const got: string[] = [];
      const ib = createInbound(v.transport, "IB_REMOTE", {
        ...server,
        path: dir,
        pollMs: 50,
        stableMs: 1500,
        afterRead: "delete",
      });
      await ib.start(context(collect(got)));
      await new Promise((r) => setTimeout(r, 700));
      put(dir, "grow.hl7", adt("G"), 0); // the sender finished writing
      await until(() => got.length === 1 && !existsSync(join(dir, "grow.hl7")));
      await ib.stop();
      assert.deepEqual(got, [adt("G")], "only the complete file was read");
    });

    it("inbound: intake failure leaves the file; it is taken on a later poll", async () => {
      const dir = freshDir(root);
      put(dir, "x.hl7", adt("X"));
      let calls = 0;
      const ib = createInbound(v.transport, "IB_REMOTE", {
        ...server,
        path: dir,
        pollMs: 30,
        afterRead: "delete",
      });
      await ib.start(
        context(async () => {
          calls++;
          if (calls === 1) throw new Error("store down");
          return { accepted: true };
        }),
      );
      await until(() => calls >= 2 && !existsSync(join(dir, "x.hl7")));
      await ib.stop();
      assert.equal(calls, 2);
    });

    it("inbound: leave-and-remember reads each file once, across a restart, and again when it changes", async () => {
      const dir = freshDir(root);
      const state = tempDir();
      const settings = {
        ...server,
        path: dir,
        pollMs: 30,
        afterRead: "leave",
        rememberFile: join(state.dir, "seen.json"),
      };
      put(dir, "keep.hl7", adt("K"));
      const got: string[] = [];
      const intake = context(collect(got));
      let ib = createInbound(v.transport, "IB_REMOTE", settings);
      await ib.start(intake);
      await until(() => got.length === 1);
      await new Promise((r) => setTimeout(r, 300)); // several more polls
      await ib.stop();
      ib = createInbound(v.transport, "IB_REMOTE", settings); // a restart
      await ib.start(intake);
      put(dir, "other.hl7", adt("O"));
      await until(() => got.length === 2);
      put(dir, "keep.hl7", adt("K2"), 5); // changed: read again
      await until(() => got.length === 3);
      await ib.stop();
      state.cleanup();
      assert.deepEqual(got, [adt("K"), adt("O"), adt("K2")]);
      assert.ok(existsSync(join(dir, "keep.hl7")), "left in place");
    });

    it("inbound: a file over maxFileBytes is not read and goes to errorTo", async () => {
      const dir = freshDir(root);
      put(dir, "big.hl7", "x".repeat(5000));
      put(dir, "ok.hl7", adt("OK"), 5);
      const got: string[] = [];
      const ib = createInbound(v.transport, "IB_REMOTE", {
        ...server,
        path: dir,
        pollMs: 30,
        maxFileBytes: 1000,
        errorTo: join(dir, "error"),
        afterRead: "delete",
      });
      const ctx = context(collect(got));
      await ib.start(ctx);
      await until(() => got.length === 1 && existsSync(join(dir, "error", "big.hl7")));
      await ib.stop();
      assert.deepEqual(got, [adt("OK")]);
      assert.ok(ctx.log.entries.some((e) => e.level === "error" && /maxFileBytes/.test(e.msg ?? "")));
      assert.ok(
        ctx.log.entries.every((e) => e.level === "debug" || !JSON.stringify(e).includes("big.hl7")),
        "file names only at debug level",
      );
    });

    it("outbound: writes under a temporary name then renames to the templated name; a taken name gets a suffix", async () => {
      const dir = freshDir(root);
      const log = captureLog();
      const ob = createOutbound(
        v.transport,
        "OB_REMOTE",
        { ...server, path: dir, filename: "{MSH-10}.hl7" },
        { log },
      );
      assert.deepEqual(await ob.send(Buffer.from(adt("M1")), meta("M1")), { status: "ok" });
      assert.deepEqual(await ob.send(Buffer.from(adt("M1b")), meta("M1")), { status: "ok" });
      const sub = createOutbound(v.transport, "OB_REMOTE2", {
        ...server,
        path: dir,
        filename: "out/{date}/{MSH-10}.hl7",
      });
      assert.equal((await sub.send(Buffer.from(adt("M2")), meta("M2"))).status, "ok");
      await ob.close();
      await sub.close();
      assert.deepEqual(readdirSync(dir).sort(), ["M1-1.hl7", "M1.hl7", "out"], "no temp files left");
      assert.equal(readFileSync(join(dir, "M1.hl7"), "utf8"), adt("M1"));
      assert.equal(readFileSync(join(dir, "M1-1.hl7"), "utf8"), adt("M1b"));
      const [day] = readdirSync(join(dir, "out"));
      assert.equal(readFileSync(join(dir, "out", day!, "M2.hl7"), "utf8"), adt("M2"));
      assert.equal(ob.state.sent, 2);
    });

    it("outbound: a missing directory or denied permission is permanent; the server away is retry, then ok", async () => {
      const dir = freshDir(root);
      const missing = createOutbound(v.transport, "OB_MISSING", { ...server, path: join(dir, "nope") });
      assert.equal((await missing.send(Buffer.from(adt("P1")), meta("P1"))).status, "permanent");
      await missing.close();
      const locked = freshDir(root);
      chmodSync(locked, 0o555);
      const denied = createOutbound(v.transport, "OB_DENIED", { ...server, path: locked });
      assert.equal((await denied.send(Buffer.from(adt("P2")), meta("P2"))).status, "permanent");
      await denied.close();

      const proxy = await faultProxy(await v.target());
      const ob = createOutbound(v.transport, "OB_FLAKY", {
        ...server,
        host: proxy.host,
        port: proxy.port,
        path: dir,
        filename: "{MSH-10}.hl7",
        connectTimeoutMs: 2000,
        timeoutMs: 3000,
        ...(v.transport === "ftps" ? { tls: { ...(server.tls as object), servername: "localhost" } } : {}),
      });
      assert.equal((await ob.send(Buffer.from(adt("F1")), meta("F1"))).status, "ok");
      proxy.cut();
      const away = await ob.send(Buffer.from(adt("F2")), meta("F2"));
      assert.equal(away.status, "retry", away.error);
      proxy.restore();
      assert.equal((await ob.send(Buffer.from(adt("F2")), meta("F2"))).status, "ok");
      await ob.close();
      await proxy.close();
      assert.deepEqual(readdirSync(dir).sort(), ["F1.hl7", "F2.hl7"]);
    });
  });
}

describe("transports/sftp host keys and logins", function () {
  this.timeout(60_000);
  before(async function () {
    this.timeout(600_000);
    await sftpServer();
  });

  async function tryWrite(settings: Record<string, unknown>) {
    const s = await sftpServer();
    const log = captureLog();
    const ob = createOutbound(
      "sftp",
      "OB_SFTP",
      { host: s.host, port: s.port, username: s.username, path: freshDir(s.dir), ...settings },
      { log },
    );
    const result = await ob.send(Buffer.from(adt("H1")), meta("H1"));
    await ob.close();
    return { result, log };
  }

  it("logs in with the password and with the private key when the host key matches the pin", async () => {
    const s = await sftpServer();
    assert.equal((await tryWrite({ password: s.password, hostKey: s.hostKey })).result.status, "ok");
    assert.equal(
      (await tryWrite({ privateKey: s.privateKey, hostKey: s.hostKey.slice(7) })).result.status,
      "ok",
    );
  });

  it("refuses a server whose host key differs from the pin (retry, with the offered fingerprint named)", async () => {
    const s = await sftpServer();
    const other = `SHA256:${"A".repeat(43)}`;
    const { result } = await tryWrite({ password: s.password, hostKey: other });
    assert.equal(result.status, "retry");
    assert.match(
      result.error ?? "",
      new RegExp(`host key ${s.hostKey.replace(/[+/]/g, "\\$&")} does not match`),
    );
  });

  it('"insecure-accept-any" connects to any host key and logs a warning', async () => {
    const s = await sftpServer();
    const { result, log } = await tryWrite({ password: s.password, hostKey: "insecure-accept-any" });
    assert.equal(result.status, "ok");
    assert.ok(log.entries.some((e) => e.level === "warn" && /not authenticated/.test(e.msg ?? "")));
  });

  it("a wrong password is a retry (the setting is fixed, then the lane moves on)", async () => {
    const s = await sftpServer();
    const { result } = await tryWrite({ password: "wrong", hostKey: s.hostKey });
    assert.equal(result.status, "retry");
  });
});

describe("transports/ftps certificate checks", function () {
  this.timeout(60_000);
  before(async function () {
    this.timeout(600_000);
    await ftpServer();
  });

  async function tryWrite(settings: Record<string, unknown>) {
    const s = await ftpServer();
    const log = captureLog();
    const ob = createOutbound(
      "ftps",
      "OB_FTPS",
      {
        host: s.host,
        port: s.port,
        username: s.username,
        password: s.password,
        path: freshDir(s.dir),
        ...settings,
      },
      { log },
    );
    const result = await ob.send(Buffer.from(adt("C1")), meta("C1"));
    await ob.close();
    return { result, log };
  }

  it("refuses a certificate not signed by a trusted CA (retry), and trusts the CA given as a file or a PEM", async () => {
    const s = await ftpServer();
    const untrusted = await tryWrite({});
    assert.equal(untrusted.result.status, "retry");
    assert.match(untrusted.result.error ?? "", /certificate/i);
    assert.equal((await tryWrite({ tls: { ca: s.ca } })).result.status, "ok");
    assert.equal((await tryWrite({ tls: { caPem: readFileSync(s.ca, "utf8") } })).result.status, "ok");
  });

  it("rejectUnauthorized = false connects without the CA, only when written, with a warning", async () => {
    const { result, log } = await tryWrite({ tls: { rejectUnauthorized: false } });
    assert.equal(result.status, "ok");
    assert.ok(log.entries.some((e) => e.level === "warn" && /not checked/.test(e.msg ?? "")));
  });

  it("checks the name: a certificate for 127.0.0.1 does not pass as another host", async () => {
    const s = await ftpServer();
    const { result } = await tryWrite({ tls: { ca: s.ca, servername: "elsewhere.example" } });
    assert.equal(result.status, "retry");
  });
});

describe("transports/remote files: transient vs permanent", () => {
  it("a server that accepts but never answers is a retry after connectTimeoutMs (sftp, ftp, ftps)", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.on("error", () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as AddressInfo).port;
    const base = { host: "127.0.0.1", port, path: "/x", connectTimeoutMs: 300, timeoutMs: 300 };
    const settings: Record<string, Record<string, unknown>> = {
      sftp: { ...base, username: "u", password: "p", hostKey: "insecure-accept-any" },
      ftp: { ...base, username: "u", password: "p" },
      ftps: { ...base, username: "u", password: "p", mode: "implicit" },
    };
    try {
      for (const [transport, s] of Object.entries(settings)) {
        const ob = createOutbound(transport, "OB_SILENT", s);
        const r = await ob.send(Buffer.from(adt("T1")), meta("T1"));
        await ob.close();
        assert.equal(r.status, "retry", `${transport}: ${r.error}`);
      }
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it("FTP 4xx replies are transient; 550/551/553 (no such file, not allowed) are permanent", () => {
    const dir = new FtpDir({ host: "h", port: 21, connectTimeoutMs: 1, timeoutMs: 1 }, "OB_X", captureLog());
    const reply = (code: number) => new FTPError({ code, message: `${code} reply` });
    for (const code of [421, 425, 426, 450, 451, 452, 530])
      assert.equal(dir.isPermanent(reply(code)), false, String(code));
    for (const code of [550, 551, 553]) assert.equal(dir.isPermanent(reply(code)), true, String(code));
    assert.equal(dir.isPermanent(new Error("ECONNRESET")), false);
  });
});
