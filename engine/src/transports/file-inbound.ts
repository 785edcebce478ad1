/**
 * File inbound: polls a directory for files matching a glob, hands each stable file (size and mtime
 * unchanged for `stableMs`) to the intake as one payload, and only after the intake accepted it moves
 * or deletes the file. Files are taken oldest first (mtime, then name).
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
import { extname, join } from "node:path";
import { errorCode, errorText, fileRef } from "./errors.js";
import { globMatcher } from "./glob.js";
import { InboundStats } from "./stats.js";
import type { InboundConnector, InboundContext, InboundState } from "./types.js";

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

interface Seen {
  size: number;
  mtimeMs: number;
  since: number;
}

export class FileInbound implements InboundConnector {
  readonly type = "file";
  private readonly stats = new InboundStats();
  private readonly matches: (name: string) => boolean;
  private ctx: InboundContext | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopping = false;
  /** Last observation per file, for the stable check. */
  private readonly seen = new Map<string, Seen>();
  /** Files to leave alone until they change: rejected, too large, or accepted but not movable. */
  private readonly skip = new Map<string, string>();
  private lastPollError: string | undefined;

  constructor(
    readonly name: string,
    private readonly settings: FileInboundSettings,
  ) {
    this.matches = globMatcher(settings.pattern);
  }

  get state(): InboundState {
    return this.stats.snapshot();
  }

  async start(ctx: InboundContext): Promise<void> {
    this.ctx = ctx;
    this.stopping = false;
    const s = this.settings;
    // Folders the engine creates for received (patient) files are owner-only.
    if (s.afterRead === "move") await mkdir(s.moveTo, { recursive: true, mode: 0o700 });
    if (s.errorTo) await mkdir(s.errorTo, { recursive: true, mode: 0o700 });
    this.stats.status = "listening";
    ctx.log.info(
      { connection: this.name, transport: this.type, directory: s.directory },
      "file inbound polling",
    );
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.polling;
    this.stats.status = "stopped";
    this.ctx?.log.info({ connection: this.name, transport: this.type }, "inbound stopped");
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => this.schedule(this.settings.pollIntervalMs));
    }, ms);
  }

  private async poll(): Promise<void> {
    const s = this.settings;
    const log = this.ctx!.log;
    let ready: { name: string; size: number; mtimeMs: number }[];
    try {
      ready = await this.readyFiles();
      if (this.lastPollError) log.info({ connection: this.name }, "directory readable again");
      this.lastPollError = undefined;
      if (this.stats.snapshot().status === "error") this.stats.status = "listening";
    } catch (err) {
      const text = errorText(err);
      if (text !== this.lastPollError)
        log.error({ connection: this.name, error: text }, "cannot read directory");
      this.lastPollError = text;
      this.stats.status = "error";
      this.stats.error(text);
      return;
    }
    for (const f of ready) {
      if (this.stopping) return;
      const path = join(s.directory, f.name);
      const sig = `${f.size}:${f.mtimeMs}`;
      if (f.size > s.maxFileBytes) {
        this.noteFile("error", f.name, undefined, "file exceeds maxFileBytes", { size: f.size });
        await this.reject(f.name, path, sig);
        continue;
      }
      let payload: Buffer;
      try {
        const read = await readRegularFile(path, s.maxFileBytes);
        if (typeof read === "string") {
          log.error({ connection: this.name, file: f.name }, `file not read: ${read}`);
          await this.reject(f.name, path, sig);
          continue;
        }
        payload = read;
      } catch (err) {
        this.noteFile("warn", f.name, err, "cannot read file; will retry");
        continue;
      }
      this.stats.bytesIn(payload.length);
      this.stats.message();
      let accepted: boolean;
      try {
        accepted = (await this.ctx!.receive(payload, { transport: "file", filename: f.name })).accepted;
      } catch (err) {
        // Nothing committed: leave the file for the next poll.
        this.noteFile("error", f.name, err, "intake failed; will retry");
        continue;
      }
      this.seen.delete(f.name);
      if (accepted) await this.dispose(f.name, path, sig);
      else await this.reject(f.name, path, sig);
    }
  }

  /** Lists matching files and returns those that passed the stable check, oldest first. */
  private async readyFiles(): Promise<{ name: string; size: number; mtimeMs: number }[]> {
    const s = this.settings;
    const now = Date.now();
    const entries = await readdir(s.directory, { withFileTypes: true });
    const present = new Set<string>();
    const ready: { name: string; size: number; mtimeMs: number }[] = [];
    for (const e of entries) {
      if (!e.isFile() || !this.matches(e.name)) continue;
      present.add(e.name);
      let st: { size: number; mtimeMs: number };
      try {
        const l = await lstat(join(s.directory, e.name));
        if (!l.isFile()) continue; // replaced by a link or other non-file since readdir
        st = l;
      } catch {
        continue; // vanished between readdir and lstat
      }
      const sig = `${st.size}:${st.mtimeMs}`;
      if (this.skip.get(e.name) === sig) continue;
      this.skip.delete(e.name);
      const prev = this.seen.get(e.name);
      if (
        s.stableMs === 0 ||
        (prev?.size === st.size && prev.mtimeMs === st.mtimeMs && now - prev.since >= s.stableMs)
      ) {
        ready.push({ name: e.name, size: st.size, mtimeMs: st.mtimeMs });
      } else if (!prev || prev.size !== st.size || prev.mtimeMs !== st.mtimeMs) {
        this.seen.set(e.name, { size: st.size, mtimeMs: st.mtimeMs, since: now });
      }
    }
    for (const k of this.seen.keys()) if (!present.has(k)) this.seen.delete(k);
    for (const k of this.skip.keys()) if (!present.has(k)) this.skip.delete(k);
    return ready.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private async dispose(name: string, path: string, sig: string): Promise<void> {
    const s = this.settings;
    try {
      if (s.afterRead === "delete") await unlink(path);
      else await moveNoClobber(path, s.moveTo, name);
    } catch (err) {
      // Already committed: never read it again, or it would be ingested twice.
      this.skip.set(name, sig);
      this.noteFile("error", name, err, `accepted but could not ${s.afterRead} the file; it will be skipped`);
    }
  }

  /**
   * Logs an event about a received file: at `level` with a reference and the error's code only
   * (names and file-system messages can carry patient data), and the name and full error at debug.
   */
  private noteFile(
    level: "warn" | "error",
    name: string,
    err: unknown,
    msg: string,
    extra: Record<string, unknown> = {},
  ): void {
    const log = this.ctx!.log;
    const ref = { connection: this.name, fileRef: fileRef(name), ...extra };
    log[level]({ ...ref, ...(err !== undefined && { error: errorCode(err) }) }, msg);
    log.debug({ ...ref, file: name, ...(err !== undefined && { error: errorText(err) }) }, msg);
  }

  private async reject(name: string, path: string, sig: string): Promise<void> {
    const s = this.settings;
    if (s.errorTo) {
      try {
        await moveNoClobber(path, s.errorTo, name);
        this.noteFile("warn", name, undefined, "file not accepted; moved to errorTo");
        return;
      } catch (err) {
        this.noteFile("error", name, err, "cannot move file to errorTo");
      }
    }
    this.skip.set(name, sig);
    this.noteFile("warn", name, undefined, "file not accepted; skipped until it changes");
  }
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
  const ext = extname(name);
  const base = name.slice(0, name.length - ext.length);
  for (let i = 0; ; i++) {
    const target = join(dir, i === 0 ? name : `${base}-${i}${ext}`);
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
