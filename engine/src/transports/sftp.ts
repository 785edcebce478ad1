/**
 * SFTP connector (ssh2): polls a remote directory (inbound) and writes files (outbound) through the
 * shared poller and remote outbound. Log in by password or private key (both from env() secrets); the
 * server's host key must match the pinned SHA-256 fingerprint (`hostKey = "SHA256:…"`, as
 * `ssh-keygen -lf` prints it). An unknown or different key is refused, unless `hostKey` is
 * `"insecure-accept-any"` (a warning is logged on every connect).
 */
import { createHash } from "node:crypto";
import { connect } from "node:net";
import ssh2 from "ssh2";
import { INSECURE_ANY_HOST_KEY, isHostKeySetting, normaliseHostKey } from "../graph/index.js";
import { errorText } from "./errors.js";
import { PollingInbound } from "./poll-inbound.js";
import type { SourceEntry } from "./poll-source.js";
import { type RemoteDir, RemoteSource, within } from "./remote-dir.js";
import { RemoteOutbound } from "./remote-outbound.js";
import {
  type RemoteServerSettings,
  readRemoteInbound,
  readRemoteOutbound,
  readRemoteServer,
} from "./remote-settings.js";
import { SettingsReader } from "./settings.js";
import type { ConnectorDefinition, ConnectorLog, RawSettings } from "./types.js";

export interface SftpServerSettings extends RemoteServerSettings {
  username: string;
  /** PEM/OpenSSH private key text (an env() secret). */
  privateKey?: string;
  passphrase?: string;
  /** `SHA256:<base64>` of the server's host key, or `insecure-accept-any`. */
  hostKey: string;
}

export function readSftpServer(r: SettingsReader): SftpServerSettings {
  const base = readRemoteServer(r, 22);
  const hostKey = r.str("hostKey");
  if (!isHostKeySetting(hostKey))
    r.fail(
      "hostKey",
      `must be "SHA256:<43 base64 characters>" (ssh-keygen -lf) or "${INSECURE_ANY_HOST_KEY}"`,
    );
  const s: SftpServerSettings = {
    ...base,
    username: r.str("username"),
    privateKey: r.optStr("privateKey"),
    passphrase: r.optStr("passphrase"),
    hostKey,
  };
  if (s.password === undefined && s.privateKey === undefined)
    r.fail("password", "set password or privateKey (an env() secret) to log in");
  return s;
}

/** The OpenSSH-style SHA-256 fingerprint of a host key blob: `SHA256:` + unpadded base64. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

/** SFTP status codes that say the path or the permissions are wrong (ssh2 puts them on `err.code`). */
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;

interface Session {
  conn: ssh2.Client;
  sftp: ssh2.SFTPWrapper;
}

export class SftpDir implements RemoteDir {
  readonly where: string;
  private session: Promise<Session> | undefined;

  constructor(
    private readonly s: SftpServerSettings,
    private readonly connection: string,
    private readonly log: ConnectorLog,
  ) {
    this.where = `sftp://${s.host}:${s.port}`;
  }

  isPermanent(err: unknown): boolean {
    const code = (err as { code?: unknown }).code;
    return code === NO_SUCH_FILE || code === PERMISSION_DENIED;
  }

  async list(dir: string, wanted: (name: string) => boolean): Promise<SourceEntry[]> {
    const entries = await this.op<ssh2.FileEntryWithStats[]>((sftp, cb) => sftp.readdir(dir, cb));
    return entries
      .filter((e) => e.attrs.isFile() && wanted(e.filename))
      .map((e) => ({ name: e.filename, size: e.attrs.size, mtimeMs: e.attrs.mtime * 1000 }));
  }

  async stat(path: string): Promise<{ size: number } | undefined> {
    try {
      const st = await this.op<ssh2.Stats>((sftp, cb) => sftp.lstat(path, cb));
      return { size: st.size };
    } catch (err) {
      if ((err as { code?: unknown }).code === NO_SUCH_FILE) return undefined;
      throw err;
    }
  }

  async read(path: string, max: number): Promise<Buffer | string> {
    const { sftp } = await this.connect();
    const run = async (): Promise<Buffer | string> => {
      const handle = await call<Buffer>((cb) => sftp.open(path, "r", cb));
      try {
        const st = await call<ssh2.Stats>((cb) => sftp.fstat(handle, cb));
        if (!st.isFile()) return "not a regular file";
        if (st.size > max) return `${st.size} bytes exceed maxFileBytes (${max})`;
        const chunks: Buffer[] = [];
        let total = 0;
        for (;;) {
          // One byte more than the size, to notice a file still growing; never past max + 1 in total.
          const want = Math.min(total < st.size ? Math.min(st.size - total, 32 * 1024) : 1, max + 1 - total);
          const buf = Buffer.allocUnsafe(want);
          const n = await new Promise<number>((resolve, reject) =>
            sftp.read(handle, buf, 0, want, total, (err, bytesRead) =>
              // ssh2 reports end of file as an EOF status error with no bytes.
              err && (err as { code?: unknown }).code !== 1 ? reject(err) : resolve(err ? 0 : bytesRead),
            ),
          );
          if (n === 0) break;
          chunks.push(buf.subarray(0, n));
          total += n;
          if (total > max) return `grew past maxFileBytes (${max}) while being read`;
        }
        return Buffer.concat(chunks, total);
      } finally {
        await call((cb) => sftp.close(handle, cb)).catch(() => undefined);
      }
    };
    return within(run(), this.s.timeoutMs, "sftp read");
  }

  async rename(from: string, to: string, overwrite: boolean): Promise<void> {
    // Plain SFTP rename never replaces (OpenSSH links, then unlinks); posix-rename does.
    await this.op((sftp, cb) =>
      overwrite ? sftp.ext_openssh_rename(from, to, cb) : sftp.rename(from, to, cb),
    );
  }

  async delete(path: string): Promise<void> {
    await this.op((sftp, cb) => sftp.unlink(path, cb));
  }

  async write(path: string, data: Buffer): Promise<void> {
    await this.op((sftp, cb) => sftp.writeFile(path, data, { flag: "w" }, cb));
  }

  async mkdirs(dir: string): Promise<void> {
    let at = dir.startsWith("/") ? "/" : "";
    for (const part of dir.split("/").filter((p) => p !== "" && p !== ".")) {
      at = at === "" || at === "/" ? `${at}${part}` : `${at}/${part}`;
      if (await this.isDir(at)) continue;
      await this.op((sftp, cb) => sftp.mkdir(at, cb)).catch(async (err) => {
        if (!(await this.isDir(at))) throw err; // made meanwhile by someone else: fine
      });
    }
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    try {
      (await session).conn.end();
    } catch {
      // never connected
    }
  }

  private async isDir(path: string): Promise<boolean> {
    try {
      const st = await this.op<ssh2.Stats>((sftp, cb) => sftp.stat(path, cb));
      return st.isDirectory();
    } catch (err) {
      if ((err as { code?: unknown }).code === NO_SUCH_FILE) return false;
      throw err;
    }
  }

  /** Runs one SFTP request on the (re)used session, bounded by `timeoutMs`. */
  private async op<T = void>(start: (sftp: ssh2.SFTPWrapper, cb: Done<T>) => void): Promise<T> {
    const { sftp } = await this.connect();
    return within(
      call<T>((cb) => start(sftp, cb)),
      this.s.timeoutMs,
      "sftp request",
    );
  }

  private connect(): Promise<Session> {
    if (!this.session) {
      const session = this.open();
      this.session = session;
      const forget = () => {
        if (this.session === session) this.session = undefined;
      };
      // A session the server or the network ended is never reused; a later one is left alone.
      session.then(({ conn }) => conn.on("close", forget), forget);
    }
    return this.session;
  }

  private open(): Promise<Session> {
    const s = this.s;
    const conn = new ssh2.Client();
    let offered: string | undefined;
    return new Promise<Session>((resolve, reject) => {
      const fail = (err: Error): void => {
        conn.end();
        reject(err);
      };
      conn.on("error", (err) => {
        if (
          offered !== undefined &&
          s.hostKey !== INSECURE_ANY_HOST_KEY &&
          normaliseHostKey(s.hostKey) !== offered
        ) {
          fail(new Error(`host key ${offered} does not match the pinned hostKey; refused`));
        } else fail(new Error(`sftp connect: ${errorText(err)}`));
      });
      // Closed before it was ready, without an error event: settle anyway (a no-op once resolved).
      conn.on("close", () => reject(new Error("sftp connect: connection closed")));
      conn.on("ready", () => {
        conn.sftp((err, sftp) => {
          if (err) fail(err);
          else resolve({ conn, sftp });
        });
      });
      conn.connect({
        // Our own socket, to turn Nagle off: each SFTP request is a small write that waits for its answer.
        sock: connect({ host: s.host, port: s.port, noDelay: true }),
        host: s.host,
        port: s.port,
        username: s.username,
        password: s.password,
        privateKey: s.privateKey,
        passphrase: s.passphrase,
        readyTimeout: s.connectTimeoutMs,
        keepaliveInterval: Math.max(1000, Math.floor(s.timeoutMs / 3)),
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer): boolean => {
          offered = hostKeyFingerprint(key);
          if (s.hostKey === INSECURE_ANY_HOST_KEY) {
            this.log.warn(
              { connection: this.connection, server: this.where, hostKey: offered },
              'hostKey is "insecure-accept-any": the server is not authenticated',
            );
            return true;
          }
          return normaliseHostKey(s.hostKey) === offered;
        },
      });
    });
  }
}

/** A Node-style callback, as ssh2 calls them. */
type Done<T> = (err: Error | null | undefined, value: T) => void;

/** Promise over a Node-style callback. */
function call<T = void>(start: (cb: Done<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((err, value) => (err ? reject(err) : resolve(value))));
}

export const sftpConnector: ConnectorDefinition = {
  inbound: (name, raw: RawSettings, deps) => {
    const r = new SettingsReader(name, raw);
    const settings = readRemoteInbound(r);
    const dir = new SftpDir(readSftpServer(r), name, deps.log);
    return new PollingInbound("sftp", name, settings, new RemoteSource(dir, settings.directory));
  },
  outbound: (name, raw: RawSettings, deps) => {
    const r = new SettingsReader(name, raw);
    const settings = readRemoteOutbound(r);
    return new RemoteOutbound(
      "sftp",
      name,
      settings,
      new SftpDir(readSftpServer(r), name, deps.log),
      deps.log,
    );
  },
};
