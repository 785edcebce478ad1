/**
 * Audit forwarding to a SIEM through real receivers: a real file (JSON lines, resumed after its last
 * line), a real UDP socket and a real TCP server (RFC 5424 syslog; TCP with RFC 6587 octet counting,
 * reconnecting after the receiver went away and retrying the entries it missed).
 */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AUDIT_ACTIONS } from "../../src/auth/index.js";
import { AuditForwarder, auditSink } from "../../src/runtime/audit-forward.js";
import { addUser, type Fixture, PASSWORD, setup } from "../auth/helpers.js";

/** RFC 5424 header as the forwarder writes it: PRI authpriv.notice, version 1, then MSGID = the action. */
const SYSLOG = /^<85>1 (\S+) (\S+) messagefoundry (\d+) (\S+) - (\{.*\})$/;

interface Forwarded {
  seq: number;
  time: string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  hash: string;
}

function parseSyslog(line: string): Forwarded {
  const m = SYSLOG.exec(line);
  assert.ok(m, `not an RFC 5424 line: ${line}`);
  const entry = JSON.parse(m[5] ?? "") as Forwarded;
  assert.equal(m[4], entry.action);
  assert.equal(m[1], entry.time);
  return entry;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

/** Splits an RFC 6587 octet-counted stream into messages; returns what is left of an incomplete frame. */
function frames(buf: Buffer, out: string[]): Buffer {
  let rest = buf;
  for (;;) {
    const space = rest.indexOf(0x20);
    if (space < 0) return rest;
    const len = Number(rest.subarray(0, space).toString());
    if (rest.length < space + 1 + len) return rest;
    out.push(rest.subarray(space + 1, space + 1 + len).toString("utf8"));
    rest = rest.subarray(space + 1 + len);
  }
}

describe("runtime: audit forwarding (file, syslog over UDP and TCP)", () => {
  let f: Fixture;
  let dir: string;
  beforeEach(async () => {
    f = await setup("sqlite");
    dir = mkdtempSync(join(tmpdir(), "mf-audit-forward-"));
  });
  afterEach(async () => {
    await f.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a file gets every committed entry as one JSON line, and a restart resumes after its last line", async () => {
    await addUser(f, "ops", "operator");
    await f.auth.login({ username: "ops", password: PASSWORD });
    const file = join(dir, "audit.jsonl");
    const first = new AuditForwarder(f.auth, [auditSink(`file:${file}`)], { intervalMs: 60_000 });
    await first.start();
    await f.auth.recordAudit("ops", AUDIT_ACTIONS.connectionStopped, "connection:ADT_IN", {
      state: "stopped",
    });
    await first.stop();
    const read = () =>
      readFileSync(file, "utf8")
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as Forwarded);
    // A new file gets the whole log: user.add, auth.login, connection.stop.
    assert.deepEqual(
      read().map((e) => [e.seq, e.action]),
      [
        [1, "user.add"],
        [2, "auth.login"],
        [3, "connection.stop"],
      ],
    );
    const last = read()[2];
    assert.equal(last?.actor, "ops");
    assert.equal(last?.target, "connection:ADT_IN");
    assert.deepEqual(last?.details, { state: "stopped" });
    const [stored] = await f.auth.listAudit({ afterSeq: 2, limit: 1 });
    assert.equal(last?.hash, stored?.hash);
    assert.equal(statSync(file).mode & 0o777, 0o600);

    await f.auth.recordAudit("ops", AUDIT_ACTIONS.connectionStarted, "connection:ADT_IN", {
      state: "running",
    });
    const second = new AuditForwarder(f.auth, [auditSink(`file:${file}`)], { intervalMs: 60_000 });
    await second.start();
    await second.stop();
    assert.deepEqual(
      read().map((e) => e.seq),
      [1, 2, 3, 4],
    );
  });

  it("syslog over UDP: one RFC 5424 datagram per new entry, from the log's head at start", async () => {
    await addUser(f, "ops", "operator");
    const received: string[] = [];
    const udp = createSocket("udp4");
    udp.on("message", (m) => received.push(m.toString("utf8")));
    await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
    const { port } = udp.address();
    const forwarder = new AuditForwarder(f.auth, [auditSink(`syslog+udp://127.0.0.1:${port}`)], {
      intervalMs: 20,
    });
    try {
      await forwarder.start();
      await f.auth.login({ username: "ops", password: PASSWORD });
      await f.auth.login({ username: "ops", password: "wrong-password" }).catch(() => undefined);
      // Too big for one datagram: sent without its details rather than blocking the target.
      await f.auth.recordAudit("ops", AUDIT_ACTIONS.configStaged, "stage:big", { note: "x".repeat(70_000) });
      await until(() => received.length >= 3);
      const entries = received.map(parseSyslog);
      assert.equal(entries[2]?.action, "config.stage");
      assert.equal(entries[2]?.details.truncated, true);
      // user.add happened before the engine started forwarding: a SIEM is sent what is new.
      assert.deepEqual(
        entries.map((e) => e.action),
        ["auth.login", "auth.login_failed", "config.stage"],
      );
      assert.equal(entries[1]?.details.reason, "bad_password");
    } finally {
      await forwarder.stop();
      udp.close();
    }
  });

  it("syslog over TCP: octet-counted frames; a receiver that goes away gets the missed entries when back", async () => {
    const received: string[] = [];
    const sockets = new Set<Socket>();
    const listen = async (port = 0): Promise<Server> => {
      const server = createServer((s) => {
        sockets.add(s);
        let rest: Buffer = Buffer.alloc(0);
        s.on("data", (d: Buffer) => {
          rest = frames(Buffer.concat([rest, d]), received);
        });
      });
      await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
      return server;
    };
    let server = await listen();
    const { port } = server.address() as { port: number };
    const errors: string[] = [];
    const forwarder = new AuditForwarder(f.auth, [auditSink(`syslog+tcp://127.0.0.1:${port}`, 1000)], {
      intervalMs: 20,
      onError: (target) => errors.push(target),
    });
    try {
      await forwarder.start();
      await addUser(f, "ops", "operator");
      await until(() => received.length >= 1);
      assert.equal(parseSyslog(received[0] ?? "").action, "user.add");

      // The receiver goes away: entries wait (errors reported with the target only) and arrive once it is back.
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
      await f.auth.recordAudit("ops", AUDIT_ACTIONS.keyRotated, "store", { rows: 3 });
      await until(() => errors.length >= 1);
      assert.equal(errors[0], `syslog+tcp://127.0.0.1:${port}`);
      server = await listen(port);
      await until(() => received.length >= 2);
      const late = parseSyslog(received[1] ?? "");
      assert.equal(late.action, "key.rotate");
      assert.deepEqual(late.details, { rows: 3 });
    } finally {
      await forwarder.stop();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
