/**
 * An SFTP server for the sftp connector's tests: OpenSSH's own (`openssh-server`, installed with apt when
 * missing), run as the test's own `sshd` on a free 127.0.0.1 port with its own config, host key and a
 * throwaway user (password and key login) that may only use SFTP (`ForceCommand internal-sftp`) in its
 * temp home. The machine's sshd, if any, is never touched. Published in MEFOR_TEST_SFTP as JSON
 * (`SftpServer`); `MEFOR_TEST_SFTP` set beforehand names another server in that shape.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { aptInstall } from "./debian.js";
import { createLocalUser } from "./local-user.js";
import { freePort, waitForPort } from "./net.js";
import type { Service } from "./service.js";

const run = promisify(execFile);
const SSHD = "/usr/sbin/sshd";

export interface SftpServer {
  host: string;
  port: number;
  username: string;
  password: string;
  /** OpenSSH private key text whose public half the server accepts for `username`. */
  privateKey: string;
  /** The server's host key, `SHA256:…` as `ssh-keygen -lf` prints it. */
  hostKey: string;
  /** A directory the user may read and write, as a local path (the server's paths are the same). */
  dir: string;
}

async function keygen(path: string): Promise<void> {
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "mefor-test", "-f", path]);
}

export const sshdService: Service = {
  name: "OpenSSH sftp server",
  env: "MEFOR_TEST_SFTP",
  async find() {
    return undefined; // always the test's own instance: the machine's sshd is never used
  },
  async provide() {
    if (!existsSync(SSHD)) await aptInstall(["openssh-server"]);
    const user = await createLocalUser("mfsftp");
    const conf = mkdtempSync(join(tmpdir(), "mefor-sshd-"));
    let child: ChildProcess | undefined;
    try {
      await keygen(join(conf, "host_key"));
      await keygen(join(conf, "client_key"));
      // sshd reads the authorized keys as the user: the folder is traversable, the file readable.
      chmodSync(conf, 0o755);
      writeFileSync(join(conf, "authorized_keys"), readFileSync(join(conf, "client_key.pub")), {
        mode: 0o644,
      });
      const { stdout } = await run("ssh-keygen", ["-l", "-E", "sha256", "-f", join(conf, "host_key.pub")]);
      const hostKey = stdout.split(" ")[1]!;
      const dir = join(user.home, "data");
      mkdirSync(dir, { mode: 0o777 });
      await run("chown", [`${user.uid}:${user.gid}`, dir]);
      mkdirSync("/run/sshd", { recursive: true, mode: 0o755 }); // sshd's privilege-separation directory
      const port = await freePort();
      writeFileSync(
        join(conf, "sshd_config"),
        [
          `Port ${port}`,
          "ListenAddress 127.0.0.1",
          `HostKey ${join(conf, "host_key")}`,
          `PidFile ${join(conf, "sshd.pid")}`,
          `AuthorizedKeysFile ${join(conf, "authorized_keys")}`,
          "StrictModes no",
          "UsePAM no",
          "PasswordAuthentication yes",
          "KbdInteractiveAuthentication no",
          "PubkeyAuthentication yes",
          "PermitRootLogin no",
          `AllowUsers ${user.name}`,
          "AllowTcpForwarding no",
          "X11Forwarding no",
          "Subsystem sftp internal-sftp",
          "ForceCommand internal-sftp",
          "",
        ].join("\n"),
      );
      const stderr: string[] = [];
      let exited: string | undefined;
      child = spawn(SSHD, ["-D", "-e", "-f", join(conf, "sshd_config")], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      child.stderr?.on("data", (d: Buffer) => stderr.push(d.toString()));
      child.once("exit", (code) => {
        exited = `sshd exited (${code}): ${stderr.join("").slice(-2000)}`;
      });
      await waitForPort(port, 15_000, () => exited);
      const server: SftpServer = {
        host: "127.0.0.1",
        port,
        username: user.name,
        password: user.password,
        privateKey: readFileSync(join(conf, "client_key"), "utf8"),
        hostKey,
        dir,
      };
      const proc = child;
      return {
        value: JSON.stringify(server),
        said: `started the test's own sshd (sftp only, user ${user.name}) on 127.0.0.1:${port} (stopped and removed after the tests)`,
        async stop() {
          await stopChild(proc);
          await user.remove();
          rmSync(conf, { recursive: true, force: true });
        },
      };
    } catch (err) {
      if (child) await stopChild(child);
      await user.remove();
      rmSync(conf, { recursive: true, force: true });
      throw err;
    }
  },
};

/** SIGTERM, then waits for the exit (the listener is closed when this resolves). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await gone;
}
