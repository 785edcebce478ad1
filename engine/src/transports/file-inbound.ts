/**
 * File inbound: polls a local directory (poll-inbound.ts does the polling, the stable check and the
 * after-read move or delete, shared with the remote connectors); this file is the local directory.
 *
 * A file is opened without following a symlink, checked through that same handle (a regular file, not
 * over `maxFileBytes`) and read through it, at most `maxFileBytes` + 1 bytes: swapping the name for a
 * link, a FIFO or a bigger file after the listing gains nothing.
 */
import { constants } from "node:fs";
import {
  copyFile,
  type FileHandle,
  lstat,
  mkdir,
  open,
  readdir,
  rename,
  stat,
  unlink,
} from "node:fs/promises";
import { join } from "node:path";
import { PollingInbound } from "./poll-inbound.js";
import { numberedName, type PollSource, type SourceEntry } from "./poll-source.js";

export interface FileInboundSettings {
  directory: string;
  /** Glob on the base name; default `*` (hidden files never match `*`). */
  pattern: string;
  /** Default 1000 ms. */
  pollIntervalMs: number;
  /** Default `move`. */
  afterRead: "move" | "delete";
  /** Where accepted files go when `afterRead` is `move`; default `<directory>/processed`. */
  moveTo: string;
  /** Where files the intake did not accept go; unset: they stay and are skipped until they change. */
  errorTo?: string;
  /** A file must look unchanged this long before it is read. Default 1000 ms; 0 reads at first sight. */
  stableMs: number;
  /** Larger files are not read (logged, moved to errorTo if set). Default 64 MiB. */
  maxFileBytes: number;
}

export class FileInbound extends PollingInbound {
  constructor(name: string, settings: FileInboundSettings) {
    super("file", name, { ...settings, readAtFirstSight: true }, new LocalDirectory(settings.directory));
  }
}

/** A local directory as a poll source. */
export class LocalDirectory implements PollSource {
  constructor(readonly where: string) {}

  async list(wanted: (name: string) => boolean): Promise<SourceEntry[]> {
    const out: SourceEntry[] = [];
    for (const e of await readdir(this.where, { withFileTypes: true })) {
      if (!e.isFile() || !wanted(e.name)) continue;
      try {
        const l = await lstat(join(this.where, e.name));
        if (l.isFile()) out.push({ name: e.name, size: l.size, mtimeMs: l.mtimeMs });
      } catch {
        // vanished between readdir and lstat
      }
    }
    return out;
  }

  read(name: string, max: number): Promise<Buffer | string> {
    return readRegularFile(join(this.where, name), max);
  }

  remove(name: string): Promise<void> {
    return unlink(join(this.where, name));
  }

  async moveInto(name: string, dir: string): Promise<void> {
    await moveNoClobber(join(this.where, name), dir, name);
  }

  async prepare(dirs: readonly string[]): Promise<void> {
    // Folders the engine creates for received (patient) files are owner-only.
    for (const d of dirs) await mkdir(d, { recursive: true, mode: 0o700 });
  }

  async release(): Promise<void> {}
}

/** O_NOFOLLOW: a symlink fails to open (ELOOP). O_NONBLOCK: a FIFO opens without waiting for a writer. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Opens `path` without following a symlink and reads it through the same handle: the payload, or why
 * it was not read (a symlink, not a regular file, over `max` bytes — never reading more than max + 1).
 * Other errors (vanished, unreadable) are thrown: the caller retries.
 */
export async function readRegularFile(path: string, max: number): Promise<Buffer | string> {
  let fh: FileHandle;
  try {
    fh = await open(path, OPEN_FLAGS);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP") return "it is a symbolic link";
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return "not a regular file";
    if (st.size > max) return `${st.size} bytes exceed maxFileBytes (${max})`;
    // Sized by fstat, one byte more to notice a file still growing; never past max + 1 in total.
    const chunks: Buffer[] = [];
    let total = 0;
    let want = st.size + 1;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(want, max + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === buf.length ? buf : Buffer.from(buf.subarray(0, bytesRead)));
      total += bytesRead;
      if (total > max) return `grew past maxFileBytes (${max}) while being read`;
      want = 64 * 1024;
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } finally {
    await fh.close();
  }
}

/** Moves a file into `dir`, adding `-1`, `-2`… before the extension rather than overwriting. */
export async function moveNoClobber(src: string, dir: string, name: string): Promise<string> {
  for (let i = 0; ; i++) {
    const target = join(dir, numberedName(name, i));
    try {
      await stat(target);
      continue; // taken
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    try {
      await rename(src, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
      await copyFile(src, target);
      await unlink(src);
    }
    return target;
  }
}
