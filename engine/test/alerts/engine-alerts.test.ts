/**
 * Alerts against a real engine: an MLLP destination (a real socket server) goes down and comes back;
 * the notices reach a real HTTP webhook (a REST outbound) and the engine log — once each, de-duplicated.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { makeTestCerts } from "@messagefoundry/test-services";
import { afterEach, describe, it } from "mocha";
import { encodeMllp, MllpDecoder } from "../../src/hl7/index.js";
import type { Log } from "../../src/log.js";
import type { Engine } from "../../src/runtime/index.js";
import {
  adt,
  freePort,
  MllpSender,
  mllpSink,
  openEngine,
  tempDir,
  until,
  writeFiles,
} from "../runtime/helpers.js";

interface Notice {
  alert: string;
  status: string;
  condition: string;
  connection: string;
  errorClass: string | null;
  text: string;
}

async function webhook() {
  const notices: Notice[] = [];
  const raw: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      raw.push(body);
      notices.push(JSON.parse(body) as Notice);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    notices,
    raw,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A real MLLP receiver for notices: records each frame's text and answers a fixed AA acknowledgement. */
async function textMllpReceiver() {
  const received: string[] = [];
  const sockets = new Set<net.Socket>();
  const ack = "MSH|^~\\&|OPS|OPS|MEFOR|MEFOR|20260101120000||ACK|NOTICE|P|2.5.1\rMSA|AA|NOTICE";
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    const dec = new MllpDecoder();
    s.on("data", (c: Buffer) => {
      for (const f of dec.push(c)) {
        received.push(f.toString("utf8"));
        s.write(encodeMllp(ack));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function capturingLog(lines: { level: string; obj: Record<string, unknown>; msg?: string }[]): Log {
  const at =
    (level: string) =>
    (obj: Record<string, unknown>, msg?: string): void => {
      lines.push({ level, obj, ...(msg !== undefined ? { msg } : {}) });
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

describe("alerts on a running engine", function () {
  this.timeout(30_000);
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("a destination going down fires once to the webhook and the log, and resolves when it is back", async () => {
    const tmp = tempDir();
    cleanups.push(() => tmp.cleanup());
    const hook = await webhook();
    cleanups.push(() => hook.close());
    const sinkPort = await freePort();
    let sink = await mllpSink(sinkPort);
    cleanups.push(() => sink.close());
    const ibPort = await freePort();
    writeFiles(tmp.dir, {
      "config/main.ts": `import { alert, handler, inbound, mllp, outbound, rest, router, send } from "messagefoundry";
inbound("IB_ADT", mllp({ port: ${ibPort} }), { router: "r" });
router("r", () => ["h"]);
handler("h", (m) => send("OB_EHR", m));
outbound("OB_EHR", mllp({ host: "127.0.0.1", port: ${sinkPort}, reconnectBaseMs: 50, reconnectMaxMs: 100, connectTimeoutMs: 1000 }), {
  retry: { baseMs: 50, capMs: 100 },
});
outbound("OB_OPS_HOOK", rest({ url: "${hook.url}" }), { contentType: "json" });
alert("AL_EHR_DOWN", { when: { connection: "OB_EHR", down: "200ms" }, notify: ["OB_OPS_HOOK"], renotify: "1h" });
alert("AL_EHR_QUEUE", { when: { connection: "OB_EHR", backlogAbove: 5 }, notify: "OB_OPS_HOOK" });
`,
      "config/environments/test.toml": "",
    });
    const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
    const engine: Engine = await openEngine(`${tmp.dir}/config`, `${tmp.dir}/db.sqlite`, {
      log: capturingLog(lines),
      alerts: { intervalMs: 50 },
    });
    cleanups.push(() => engine.stop());
    const sender = await MllpSender.connect(ibPort);
    cleanups.push(() => sender.close());

    assert.equal(await sender.send(adt("CTRL-UP-1")), "AA");
    await until(() => sink.received.length === 1);

    await sink.close();
    assert.equal(await sender.send(adt("CTRL-DOWN-2")), "AA", "intake still ACKs: the row waits durably");
    await until(() => hook.notices.length >= 1);
    assert.deepEqual(
      hook.notices.map((n) => [n.alert, n.status, n.condition, n.connection, n.errorClass]),
      [["AL_EHR_DOWN", "firing", "down", "OB_EHR", "ECONNREFUSED"]],
    );
    assert.match(hook.notices[0]?.text ?? "", /^AL_EHR_DOWN: outbound OB_EHR down for \d/);
    assert.deepEqual(
      engine.alerts.active().map((a) => [a.alert, a.connection]),
      [["AL_EHR_DOWN", "OB_EHR"]],
    );

    // More evaluations while it stays down: no repeat before the renotify interval (1h).
    for (let i = 0; i < 5; i++) await engine.alerts.tick();
    assert.equal(hook.notices.length, 1);

    sink = await mllpSink(sinkPort);
    await until(() => sink.received.length === 1);
    await until(() => hook.notices.length >= 2);
    for (let i = 0; i < 3; i++) await engine.alerts.tick();
    assert.deepEqual(
      hook.notices.map((n) => [n.alert, n.status]),
      [
        ["AL_EHR_DOWN", "firing"],
        ["AL_EHR_DOWN", "resolved"],
      ],
    );
    assert.match(hook.notices[1]?.text ?? "", /^AL_EHR_DOWN resolved: OB_EHR is up again \(was active /);
    assert.deepEqual(engine.alerts.active(), []);
    assert.deepEqual(
      engine.alerts.recent().map((e) => [e.alert, e.kind]),
      [
        ["AL_EHR_DOWN", "resolved"],
        ["AL_EHR_DOWN", "firing"],
      ],
    );

    // The log has both notices; no notice or log line carries message content.
    const logged = lines
      .filter((l) => l.obj.event === "alert")
      .map((l) => [l.level, l.obj.status, l.obj.alert]);
    assert.deepEqual(logged, [
      ["warn", "firing", "AL_EHR_DOWN"],
      ["info", "resolved", "AL_EHR_DOWN"],
    ]);
    for (const text of [...hook.raw, ...lines.map((l) => `${l.msg ?? ""} ${JSON.stringify(l.obj)}`)]) {
      assert.ok(!text.includes("CTRL-DOWN-2") && !text.includes("PATIENT"), `no content in: ${text}`);
    }
  });

  it("a listener's certificate expiring within the limit notifies through an MLLP and a file outbound", async () => {
    const tmp = tempDir();
    cleanups.push(() => tmp.cleanup());
    const certs = await makeTestCerts(tmp.dir); // valid for about two days
    const ops = await textMllpReceiver();
    cleanups.push(() => ops.close());
    const ibPort = await freePort();
    writeFiles(tmp.dir, {
      "config/main.ts": `import { alert, file, handler, inbound, mllp, outbound, router } from "messagefoundry";
inbound("IB_TLS_ADT", mllp({ port: ${ibPort}, tls: { cert: ${JSON.stringify(certs.serverCert)}, key: ${JSON.stringify(certs.serverKey)} } }), { router: "r" });
router("r", () => ["h"]);
handler("h", () => []);
outbound("OB_OPS_MLLP", mllp({ host: "127.0.0.1", port: ${ops.port} }));
outbound("OB_OPS_FILE", file({ path: ${JSON.stringify(`${tmp.dir}/notices`)}, filename: "{messageId}.json" }));
alert("AL_TLS_CERT", { when: { connection: "IB_TLS_ADT", certExpiresWithin: "14d" }, notify: ["OB_OPS_MLLP", "OB_OPS_FILE"] });
alert("AL_TLS_CERT_SOON", { when: { connection: "IB_TLS_ADT", certExpiresWithin: "1d" } });
`,
      "config/environments/test.toml": "",
    });
    const engine: Engine = await openEngine(`${tmp.dir}/config`, `${tmp.dir}/db.sqlite`, {
      alerts: { intervalMs: 60_000 },
    });
    cleanups.push(() => engine.stop());
    await engine.alerts.tick();
    assert.deepEqual(
      engine.alerts.active().map((a) => a.alert),
      ["AL_TLS_CERT"],
    );
    await until(() => ops.received.length === 1);
    assert.match(
      ops.received[0] ?? "",
      /^FIRING AL_TLS_CERT: the TLS certificate of inbound IB_TLS_ADT expires in 1d \d+h \(limit 14d\)$/,
    );
    const files = readdirSync(`${tmp.dir}/notices`);
    assert.equal(files.length, 1);
    const notice = JSON.parse(readFileSync(`${tmp.dir}/notices/${files[0]}`, "utf8")) as Notice;
    assert.deepEqual(
      [notice.alert, notice.status, notice.condition, notice.connection, notice.errorClass],
      ["AL_TLS_CERT", "firing", "certExpiry", "IB_TLS_ADT", null],
    );
    // Evaluated again: nothing new is sent before the renotify interval.
    await engine.alerts.tick();
    assert.equal(ops.received.length, 1);
    assert.equal(readdirSync(`${tmp.dir}/notices`).length, 1);
  });
});
