/**
 * The remote-file connectors through a real engine (SQLite store): files polled from the test's own
 * sshd and vsftpd become messages, are routed and written back to the servers — every sftp, ftp and
 * ftps source and destination once. The destination server going away: retries, then the lane's
 * order is kept once it is back.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type FaultProxy, faultProxy, ftpServer, sftpServer } from "@messagefoundry/test-services";
import type { Engine } from "../../src/runtime/index.js";
import { freshDir } from "../transports/remote-rig.js";
import { adt, openEngine, tempDir, until, writeFiles } from "./helpers.js";

const ROUTES = `
import { env, ftp, ftps, handler, inbound, outbound, router, send, sftp } from "messagefoundry";

const sftpLogin = { host: "127.0.0.1", port: env("sftp_port", "int"), username: env("sftp_user"), privateKey: env("sftp_key"), hostKey: env("sftp_host_key") };
const ftpLogin = { host: "127.0.0.1", port: env("ftp_port", "int"), username: env("ftp_user"), password: env("ftp_password") };
const poll = { pollMs: 100, afterRead: "delete" } as const;
const retry = { retry: { baseMs: 50, multiplier: 2, capMs: 200 } };

inbound("IB_SFTP_ADT", sftp({ ...sftpLogin, path: env("sftp_in"), pattern: "*.hl7", ...poll }), { router: "to_ftps" });
inbound("IB_FTP_ADT", ftp({ ...ftpLogin, path: env("ftp_in"), pattern: "*.hl7", ...poll }), { router: "to_sftp" });
inbound("IB_FTPS_ADT", ftps({ ...ftpLogin, port: env("ftps_port", "int"), mode: "implicit", tls: { ca: env("ftp_ca") }, path: env("ftps_in"), ...poll }), { router: "to_ftp" });

outbound("OB_FTPS_ADT", ftps({ ...ftpLogin, tls: { ca: env("ftp_ca") }, path: env("ftps_out"), filename: "{MSH-10}.hl7" }), retry);
outbound("OB_SFTP_ADT", sftp({ ...sftpLogin, port: env("sftp_proxy_port", "int"), path: env("sftp_out"), filename: "{seq}-{MSH-10}.hl7", connectTimeoutMs: 2000, timeoutMs: 3000 }), retry);
outbound("OB_FTP_ADT", ftp({ ...ftpLogin, path: env("ftp_out"), filename: "{MSH-10}.hl7" }), retry);

router("to_ftps", () => ["h_ftps"]);
router("to_sftp", () => ["h_sftp"]);
router("to_ftp", () => ["h_ftp"]);
handler("h_ftps", (msg) => send("OB_FTPS_ADT", msg));
handler("h_sftp", (msg) => send("OB_SFTP_ADT", msg));
handler("h_ftp", (msg) => send("OB_FTP_ADT", msg));
`;

interface Dirs {
  sftpIn: string;
  ftpIn: string;
  ftpsIn: string;
  sftpOut: string;
  ftpOut: string;
  ftpsOut: string;
}

describe("runtime: remote-file connectors through the engine (sftp, ftp, ftps)", function () {
  this.timeout(120_000);
  let engine: Engine;
  let proxy: FaultProxy;
  let dirs: Dirs;
  let cleanup: () => void;

  before(async function () {
    this.timeout(600_000);
    const s = await sftpServer();
    const f = await ftpServer();
    proxy = await faultProxy({ host: s.host, port: s.port });
    dirs = {
      sftpIn: freshDir(s.dir, "in"),
      sftpOut: freshDir(s.dir, "out"),
      ftpIn: freshDir(f.dir, "in"),
      ftpsIn: freshDir(f.dir, "in"),
      ftpOut: freshDir(f.dir, "out"),
      ftpsOut: freshDir(f.dir, "out"),
    };
    const t = tempDir();
    cleanup = t.cleanup;
    const config = join(t.dir, "config");
    writeFiles(config, {
      "routes.ts": ROUTES,
      "environments/test.toml": [
        `sftp_port = ${s.port}`,
        `sftp_proxy_port = ${proxy.port}`,
        `sftp_user = "${s.username}"`,
        `sftp_host_key = "${s.hostKey}"`,
        `ftp_port = ${f.port}`,
        `ftps_port = ${f.implicitPort}`,
        `ftp_user = "${f.username}"`,
        `ftp_ca = "${f.ca}"`,
        `sftp_in = "${dirs.sftpIn}"`,
        `ftp_in = "${dirs.ftpIn}"`,
        `ftps_in = "${dirs.ftpsIn}"`,
        `sftp_out = "${dirs.sftpOut}"`,
        `ftp_out = "${dirs.ftpOut}"`,
        `ftps_out = "${dirs.ftpsOut}"`,
        "",
      ].join("\n"),
    });
    engine = await openEngine(config, join(t.dir, "engine.db"), {
      processEnv: { MEFOR_VALUE_SFTP_KEY: s.privateKey, MEFOR_VALUE_FTP_PASSWORD: f.password },
    });
  });

  after(async () => {
    await engine?.stop();
    await proxy?.close();
    cleanup?.();
  });

  it("a file on each source server arrives, once committed, as a file on its destination server", async () => {
    writeFileSync(join(dirs.sftpIn, "a.hl7"), adt("E2E_SFTP"));
    writeFileSync(join(dirs.ftpIn, "b.hl7"), adt("E2E_FTP"));
    writeFileSync(join(dirs.ftpsIn, "c.hl7"), adt("E2E_FTPS"));
    await until(
      () => existsSync(join(dirs.ftpsOut, "E2E_SFTP.hl7")) && existsSync(join(dirs.ftpOut, "E2E_FTPS.hl7")),
      50,
    );
    await until(() => readdirSync(dirs.sftpOut).some((n) => n.endsWith("-E2E_FTP.hl7")), 50);
    assert.equal(readFileSync(join(dirs.ftpsOut, "E2E_SFTP.hl7"), "latin1"), adt("E2E_SFTP"));
    assert.equal(readFileSync(join(dirs.ftpOut, "E2E_FTPS.hl7"), "latin1"), adt("E2E_FTPS"));
    for (const d of [dirs.sftpIn, dirs.ftpIn, dirs.ftpsIn])
      assert.deepEqual(readdirSync(d), [], "deleted after commit");
    for (const [id, ib] of [
      ["E2E_SFTP", "IB_SFTP_ADT"],
      ["E2E_FTP", "IB_FTP_ADT"],
      ["E2E_FTPS", "IB_FTPS_ADT"],
    ] as const) {
      const [m] = await engine.store.listMessages({ controlId: id, limit: 1 });
      assert.equal(m?.inbound, ib);
      await until(
        async () =>
          (await engine.store.listMessages({ controlId: id, limit: 1 }))[0]?.disposition === "PROCESSED",
      );
    }
  });

  it("the destination server going away: deliveries retry, then land in order once it is back", async () => {
    const before = new Set(readdirSync(dirs.sftpOut));
    proxy.cut();
    const ids = ["ORD1", "ORD2", "ORD3", "ORD4", "ORD5"];
    // One file at a time, so the intake order is the ids' order (same-second mtimes would tie).
    for (const id of ids) {
      writeFileSync(join(dirs.ftpIn, `${id}.hl7`), adt(id));
      await until(
        async () => (await engine.store.listMessages({ controlId: id, limit: 1 })).length === 1,
        50,
      );
    }
    await until(async () => {
      const [m] = await engine.store.listMessages({ controlId: "ORD1", limit: 1 });
      const d = m ? await engine.store.getMessage(m.id) : undefined;
      return !!d?.history.some((h) => h.kind === "delivery-retry");
    }, 50);
    assert.deepEqual(
      readdirSync(dirs.sftpOut).filter((n) => !before.has(n)),
      [],
      "nothing written while away",
    );
    proxy.restore();
    // Final names only: a temporary `.name.tmp` may be seen while the last one is being written.
    const landed = () =>
      readdirSync(dirs.sftpOut)
        .map((n) => /^(\d+)-(ORD\d)\.hl7$/.exec(n))
        .filter((m) => m !== null);
    await until(() => landed().length === ids.length, 50);
    const written = landed()
      .sort((a, b) => Number(a[1]) - Number(b[1]))
      .map((m) => m[2]);
    assert.deepEqual(written, ids);
    assert.ok(
      readdirSync(dirs.sftpOut).every((n) => !n.startsWith(".")),
      "no temp files left",
    );
    await until(
      async () =>
        (await engine.store.listMessages({ controlId: "ORD5", limit: 1 }))[0]?.disposition === "PROCESSED",
    );
  });
});
