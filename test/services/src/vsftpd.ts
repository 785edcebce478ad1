/**
 * FTP and FTPS servers for the ftp/ftps connectors' tests: `vsftpd` (installed with apt when missing),
 * two instances of the test's own on free 127.0.0.1 ports — one plain FTP that also offers explicit TLS
 * (`AUTH TLS`), one implicit TLS — with a throwaway user (password login) in its temp home and a
 * certificate signed by a throwaway CA (openssl), so the client checks it for real. Published in
 * MEFOR_TEST_FTP as JSON (`FtpServer`). The machine's FTP server, if any, is never touched.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { aptInstall } from "./debian.js";
import { createLocalUser } from "./local-user.js";
import { freePort, waitForPort } from "./net.js";
import type { Service } from "./service.js";
import { stopChild } from "./sshd.js";

const run = promisify(execFile);
const VSFTPD = "/usr/sbin/vsftpd";

export interface FtpServer {
  host: string;
  /** Plain FTP, and explicit FTPS (AUTH TLS). */
  port: number;
  /** Implicit FTPS. */
  implicitPort: number;
  username: string;
  password: string;
  /** PEM file of the CA that signed the servers' certificate (for 127.0.0.1 and localhost). */
  ca: string;
  /** A directory the user may read and write, as a local path (the server's paths are the same). */
  dir: string;
}

/** A CA and a server certificate it signed, for 127.0.0.1 / localhost. */
async function certificates(dir: string): Promise<void> {
  const f = (n: string) => join(dir, n);
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=MessageFoundry test CA",
    "-keyout",
    f("ca.key"),
    "-out",
    f("ca.pem"),
  ]); // prettier-ignore
  await run("openssl", [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    f("server.key"),
    "-out",
    f("server.csr"),
  ]); // prettier-ignore
  writeFileSync(f("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    f("server.csr"),
    "-CA",
    f("ca.pem"),
    "-CAkey",
    f("ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    f("ext.cnf"),
    "-out",
    f("server.pem"),
  ]); // prettier-ignore
}

function config(dir: string, port: number, implicit: boolean): string {
  return [
    "listen=YES",
    "listen_ipv6=NO",
    "listen_address=127.0.0.1",
    `listen_port=${port}`,
    "background=NO",
    "anonymous_enable=NO",
    "local_enable=YES",
    "write_enable=YES",
    "local_umask=022",
    "chroot_local_user=NO",
    "pam_service_name=vsftpd",
    "userlist_enable=NO",
    "seccomp_sandbox=NO",
    "isolate=NO",
    "isolate_network=NO",
    `secure_chroot_dir=${join(dir, "empty")}`,
    "xferlog_enable=NO",
    "pasv_enable=YES",
    "pasv_address=127.0.0.1",
    "ssl_enable=YES",
    `rsa_cert_file=${join(dir, "server.pem")}`,
    `rsa_private_key_file=${join(dir, "server.key")}`,
    "allow_anon_ssl=NO",
    // The plain instance serves plain FTP and explicit TLS alike; the implicit one TLS only.
    `force_local_logins_ssl=${implicit ? "YES" : "NO"}`,
    `force_local_data_ssl=${implicit ? "YES" : "NO"}`,
    `implicit_ssl=${implicit ? "YES" : "NO"}`,
    "require_ssl_reuse=NO",
    "ssl_ciphers=HIGH",
    "",
  ].join("\n");
}

async function startInstance(
  dir: string,
  name: string,
  port: number,
  implicit: boolean,
): Promise<ChildProcess> {
  const conf = join(dir, `${name}.conf`);
  writeFileSync(conf, config(dir, port, implicit), { mode: 0o600 });
  const stderr: string[] = [];
  let exited: string | undefined;
  const child = spawn(VSFTPD, [conf], { stdio: ["ignore", "pipe", "pipe"] });
  for (const s of [child.stdout, child.stderr]) s?.on("data", (d: Buffer) => stderr.push(d.toString()));
  child.once("exit", (code) => {
    exited = `vsftpd (${name}) exited (${code}): ${stderr.join("").slice(-2000)}`;
  });
  try {
    await waitForPort(port, 15_000, () => exited);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return child;
}

export const vsftpdService: Service = {
  name: "vsftpd (FTP, FTPS)",
  env: "MEFOR_TEST_FTP",
  async find() {
    return undefined; // always the test's own instances: a machine's FTP server is never used
  },
  async provide() {
    if (!existsSync(VSFTPD)) await aptInstall(["vsftpd"]);
    const user = await createLocalUser("mfftp");
    const dir = mkdtempSync(join(tmpdir(), "mefor-vsftpd-"));
    const children: ChildProcess[] = [];
    const cleanup = async () => {
      for (const c of children) await stopChild(c);
      await user.remove();
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      mkdirSync(join(dir, "empty"), { mode: 0o755 });
      await certificates(dir);
      const data = join(user.home, "data");
      mkdirSync(data, { mode: 0o755 });
      await run("chown", [`${user.uid}:${user.gid}`, data]);
      const port = await freePort();
      children.push(await startInstance(dir, "explicit", port, false));
      const implicitPort = await freePort();
      children.push(await startInstance(dir, "implicit", implicitPort, true));
      const server: FtpServer = {
        host: "127.0.0.1",
        port,
        implicitPort,
        username: user.name,
        password: user.password,
        ca: join(dir, "ca.pem"),
        dir: data,
      };
      return {
        value: JSON.stringify(server),
        said: `started the test's own vsftpd (FTP + explicit FTPS on 127.0.0.1:${port}, implicit FTPS on ${implicitPort}, user ${user.name}; stopped and removed after the tests)`,
        stop: cleanup,
      };
    } catch (err) {
      await cleanup();
      throw err;
    }
  },
};
