/**
 * A remote directory, one small interface per protocol (sftp.ts, ftp.ts), so polling (poll-inbound.ts)
 * and the temp-name-then-rename writes (remote-outbound.ts) are written once for SFTP, FTP and FTPS.
 * Paths are POSIX paths on the server. An implementation connects on first use and reconnects after
 * `close()`; the callers close it after any failure, so a dead connection is never reused.
 */
import { posix } from "node:path";
import { numberedName, type PollSource, type SourceEntry } from "./poll-source.js";

export interface RemoteDir {
  /** `sftp://host:port` (no credentials), for logs. */
  readonly where: string;
  /** Regular files directly in `dir` whose names `wanted` accepts. */
  list(dir: string, wanted: (name: string) => boolean): Promise<SourceEntry[]>;
  /** Size of a file, or undefined when nothing is there. */
  stat(path: string): Promise<{ size: number } | undefined>;
  /** The bytes, or why not (over `max`; never more than max + 1 bytes transferred). */
  read(path: string, max: number): Promise<Buffer | string>;
  /** Renames; without `overwrite` it fails when `to` exists. */
  rename(from: string, to: string, overwrite: boolean): Promise<void>;
  delete(path: string): Promise<void>;
  /** Creates or replaces the file with `data`. */
  write(path: string, data: Buffer): Promise<void>;
  /** Creates the directory and its parents; fine when it exists. */
  mkdirs(dir: string): Promise<void>;
  close(): Promise<void>;
  /** True when the failure is the path's or the permissions' (a retry cannot help), not the connection's. */
  isPermanent(err: unknown): boolean;
}

/** A remote directory as a poll source for poll-inbound.ts. */
export class RemoteSource implements PollSource {
  readonly where: string;

  constructor(
    private readonly remote: RemoteDir,
    private readonly directory: string,
  ) {
    this.where = `${remote.where}${directory.startsWith("/") ? "" : "/"}${directory}`;
  }

  list(wanted: (name: string) => boolean): Promise<SourceEntry[]> {
    return this.remote.list(this.directory, wanted);
  }

  read(name: string, max: number): Promise<Buffer | string> {
    return this.remote.read(posix.join(this.directory, name), max);
  }

  remove(name: string): Promise<void> {
    return this.remote.delete(posix.join(this.directory, name));
  }

  async moveInto(name: string, dir: string): Promise<void> {
    for (let i = 0; ; i++) {
      const target = posix.join(dir, numberedName(name, i));
      if ((await this.remote.stat(target)) !== undefined) continue;
      await this.remote.rename(posix.join(this.directory, name), target, false);
      return;
    }
  }

  async prepare(dirs: readonly string[]): Promise<void> {
    for (const d of dirs) await this.remote.mkdirs(d);
  }

  release(): Promise<void> {
    return this.remote.close();
  }
}

/** Rejects with a timeout error when `p` takes longer than `ms` (the caller then drops the connection). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
