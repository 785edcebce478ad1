/**
 * FTP and FTPS connectors (basic-ftp): the `ftp` transport is plain FTP; `ftps` is FTP over TLS,
 * explicit (`AUTH TLS` on port 21, the default) or implicit (TLS from the first byte, port 990). The
 * server certificate is always verified (against the system CAs, or `tls.ca` — a PEM file path — or
 * `tls.caPem`, an env() secret holding the PEM); `tls.rejectUnauthorized = false` turns that off only
 * when written, with a warning on every connect. Polling and writes are the shared remote ones.
 */
import { readFile } from "node:fs/promises";
import { posix } from "node:path";
import { Readable, Writable } from "node:stream";
import type { ConnectionOptions } from "node:tls";
import { Client, FTPError } from "basic-ftp";
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

export interface FtpTlsSettings {
  mode: "explicit" | "implicit";
  /** PEM CA bundle file to trust instead of the system store. */
  ca?: string;
  /** PEM CA bundle text (an env() secret). */
  caPem?: string;
  servername?: string;
  /** Default true. */
  rejectUnauthorized: boolean;
}

export interface FtpServerSettings extends RemoteServerSettings {
  /** Set for the `ftps` transport. */
  tls?: FtpTlsSettings;
}

export function readFtpServer(r: SettingsReader, secure: boolean): FtpServerSettings {
  if (!secure) {
    if (r.has("tls") || r.has("mode")) r.fail(r.has("tls") ? "tls" : "mode", 'is for the "ftps" transport');
    return readRemoteServer(r, 21);
  }
  const mode = r.oneOf("mode", ["explicit", "implicit"] as const, "explicit");
  const t = r.table("tls");
  const tls: FtpTlsSettings = {
    mode,
    ca: t?.optStr("ca"),
    caPem: t?.optStr("caPem"),
    servername: t?.optStr("servername"),
    rejectUnauthorized: t?.bool("rejectUnauthorized", true) ?? true,
  };
  if (tls.ca !== undefined && tls.caPem !== undefined)
    t!.fail("caPem", "give ca (a file) or caPem, not both");
  return { ...readRemoteServer(r, mode === "implicit" ? 990 : 21), tls };
}

/** FTP replies that say the path, the name or the permissions are wrong (a retry cannot help). */
const PERMANENT_CODES = new Set([550, 551, 553]);

export class FtpDir implements RemoteDir {
  readonly where: string;
  private client: Promise<Client> | undefined;

  constructor(
    private readonly s: FtpServerSettings,
    private readonly connection: string,
    private readonly log: ConnectorLog,
  ) {
    this.where = `${s.tls ? "ftps" : "ftp"}://${s.host}:${s.port}`;
  }

  isPermanent(err: unknown): boolean {
    return err instanceof FTPError && PERMANENT_CODES.has(err.code);
  }

  async list(dir: string, wanted: (name: string) => boolean): Promise<SourceEntry[]> {
    return this.op(async (c) => {
      const out: SourceEntry[] = [];
      for (const f of await c.list(dir)) {
        if (!f.isFile || !wanted(f.name)) continue;
        // LIST times are minutes at best; MDTM gives seconds (MLSD servers give modifiedAt directly).
        const mtime = f.modifiedAt ?? (await c.lastMod(posix.join(dir, f.name)));
        out.push({ name: f.name, size: f.size, mtimeMs: mtime.getTime() });
      }
      return out;
    });
  }

  async stat(path: string): Promise<{ size: number } | undefined> {
    return this.op(async (c) => {
      try {
        return { size: await c.size(path) };
      } catch (err) {
        if (err instanceof FTPError && err.code === 550) return undefined;
        throw err;
      }
    });
  }

  async read(path: string, max: number): Promise<Buffer | string> {
    const chunks: Buffer[] = [];
    let total = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        total += chunk.length;
        if (total > max) return done(new Error("over maxFileBytes"));
        chunks.push(chunk);
        done();
      },
    });
    try {
      await this.op((c) => c.downloadTo(sink, path));
    } catch (err) {
      if (total <= max) throw err;
      await this.close(); // the transfer was cut: the control connection is out of step
      return `grew past maxFileBytes (${max}) while being read`;
    }
    return Buffer.concat(chunks, total);
  }

  async rename(from: string, to: string, overwrite: boolean): Promise<void> {
    await this.op(async (c) => {
      // RNTO replaces on most servers: without overwrite, a taken name is refused first.
      if (!overwrite && (await this.stat(to)) !== undefined)
        throw new FTPError({ code: 553, message: "553 target exists" });
      await c.rename(from, to);
    });
  }

  async delete(path: string): Promise<void> {
    await this.op((c) => c.remove(path));
  }

  async write(path: string, data: Buffer): Promise<void> {
    await this.op((c) => c.uploadFrom(Readable.from([data]), path));
  }

  async mkdirs(dir: string): Promise<void> {
    await this.op(async (c) => {
      let at = dir.startsWith("/") ? "/" : "";
      for (const part of dir.split("/").filter((p) => p !== "" && p !== ".")) {
        at = at === "" || at === "/" ? `${at}${part}` : `${at}/${part}`;
        const made = await c.sendIgnoringError(`MKD ${at}`);
        if (made.code >= 400) {
          // Refused also when it exists: only a failure that leaves no directory counts.
          const cwd = await c.pwd();
          await c.cd(at); // throws the server's reply when it is not a directory
          await c.cd(cwd);
        }
      }
    });
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) (await client.catch(() => undefined))?.close();
  }

  /** Runs `fn` on the (re)used client, bounded by `timeoutMs`. basic-ftp runs one command at a time. */
  private async op<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    let c = await this.connect();
    if (c.closed) {
      // The server or the network closed it since the last use.
      this.client = undefined;
      c = await this.connect();
    }
    return within(fn(c), this.s.timeoutMs, "ftp request");
  }

  private connect(): Promise<Client> {
    if (!this.client) {
      const client = this.open();
      this.client = client;
      client.catch(() => {
        if (this.client === client) this.client = undefined;
      });
    }
    return this.client;
  }

  private async open(): Promise<Client> {
    const s = this.s;
    const client = new Client(s.timeoutMs);
    const secureOptions = s.tls ? await this.tlsOptions(s.tls) : undefined;
    try {
      await within(
        client.access({
          host: s.host,
          port: s.port,
          user: s.username,
          password: s.password,
          secure: s.tls ? (s.tls.mode === "implicit" ? "implicit" : true) : false,
          secureOptions,
        }),
        s.connectTimeoutMs,
        `${this.where} connect`,
      );
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  private async tlsOptions(t: FtpTlsSettings): Promise<ConnectionOptions> {
    if (!t.rejectUnauthorized) {
      this.log.warn(
        { connection: this.connection, server: this.where },
        "tls.rejectUnauthorized is false: the server certificate is not checked",
      );
    }
    return {
      ca: t.caPem ?? (t.ca === undefined ? undefined : await readFile(t.ca)),
      servername: t.servername,
      rejectUnauthorized: t.rejectUnauthorized,
    };
  }
}

function definition(type: "ftp" | "ftps"): ConnectorDefinition {
  const secure = type === "ftps";
  return {
    inbound: (name, raw: RawSettings, deps) => {
      const r = new SettingsReader(name, raw);
      const settings = readRemoteInbound(r);
      const dir = new FtpDir(readFtpServer(r, secure), name, deps.log);
      return new PollingInbound(type, name, settings, new RemoteSource(dir, settings.directory));
    },
    outbound: (name, raw: RawSettings, deps) => {
      const r = new SettingsReader(name, raw);
      const settings = readRemoteOutbound(r);
      return new RemoteOutbound(
        type,
        name,
        settings,
        new FtpDir(readFtpServer(r, secure), name, deps.log),
        deps.log,
      );
    },
  };
}

export const ftpConnector = definition("ftp");
export const ftpsConnector = definition("ftps");
