/**
 * The SFTP and FTP servers the test services start: each provide() starts the test's own instances with
 * a throwaway user, and stop() ends them and removes the user and its files.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { promisify } from "node:util";
import type { SftpServer } from "../src/sshd.js";
import { sshdService } from "../src/sshd.js";
import type { FtpServer } from "../src/vsftpd.js";
import { vsftpdService } from "../src/vsftpd.js";

const run = promisify(execFile);

/** The first line the server says on connect (SSH banner, FTP 220), or undefined when refused. */
function greeting(port: number, tls = false): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("error", () => resolve(undefined));
    if (tls) {
      s.once("connect", () => {
        s.destroy();
        resolve("accepted");
      });
    } else {
      s.once("data", (d: Buffer) => {
        s.destroy();
        resolve(d.toString("latin1").split("\r\n")[0]);
      });
    }
  });
}

async function userExists(name: string): Promise<boolean> {
  return run("id", [name]).then(
    () => true,
    () => false,
  );
}

describe("test services: sshd and vsftpd", function () {
  this.timeout(600_000); // a first run installs openssh-server / vsftpd

  it("starts its own sshd with a throwaway user, and removes both when stopped", async () => {
    const found = await sshdService.provide();
    const s = JSON.parse(found.value) as SftpServer;
    assert.match((await greeting(s.port)) ?? "", /^SSH-2\.0-OpenSSH/);
    assert.match(s.hostKey, /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.ok(await userExists(s.username));
    assert.ok(existsSync(s.dir));
    await found.stop?.();
    assert.equal(await greeting(s.port), undefined, "nothing listens after stop");
    assert.equal(await userExists(s.username), false, "the user is removed");
    assert.equal(existsSync(s.dir), false, "its files are removed");
  });

  it("starts its own vsftpd (plain + explicit TLS, implicit TLS) and removes it when stopped", async () => {
    const found = await vsftpdService.provide();
    const f = JSON.parse(found.value) as FtpServer;
    assert.match((await greeting(f.port)) ?? "", /^220/);
    assert.equal(await greeting(f.implicitPort, true), "accepted");
    assert.ok(existsSync(f.ca) && (await userExists(f.username)));
    await found.stop?.();
    assert.equal(await greeting(f.port), undefined);
    assert.equal(await greeting(f.implicitPort, true), undefined);
    assert.equal(await userExists(f.username), false);
    assert.equal(existsSync(f.ca), false);
  });
});
