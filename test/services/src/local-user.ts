/**
 * Throwaway system users for the servers that log in as one (sshd, vsftpd): created with a random
 * password and a home in a temp folder, deleted by `remove()`. Root only (the servers run as root too).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface LocalUser {
  readonly name: string;
  readonly password: string;
  readonly uid: number;
  readonly gid: number;
  /** The user's home, a fresh temp folder owned by the user. */
  readonly home: string;
  /** Deletes the user and its home. */
  remove(): Promise<void>;
}

export async function createLocalUser(prefix: string): Promise<LocalUser> {
  if (process.getuid?.() !== 0) throw new Error("creating a throwaway user needs root");
  const name = `${prefix}${randomBytes(4).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  const home = mkdtempSync(join(tmpdir(), `${name}-`));
  await run("useradd", ["--no-create-home", "--home-dir", home, "--shell", "/bin/sh", "--user-group", name]);
  try {
    const chpasswd = run("chpasswd");
    chpasswd.child.stdin?.end(`${name}:${password}\n`);
    await chpasswd;
    const { stdout } = await run("id", ["-u", name]);
    const { stdout: g } = await run("id", ["-g", name]);
    const uid = Number(stdout.trim());
    const gid = Number(g.trim());
    chownSync(home, uid, gid);
    chmodSync(home, 0o755);
    return {
      name,
      password,
      uid,
      gid,
      home,
      async remove() {
        await run("userdel", [name]).catch(() => undefined);
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await run("userdel", [name]).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
    throw err;
  }
}
