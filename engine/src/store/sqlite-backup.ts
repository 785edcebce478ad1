/**
 * An online, consistent copy of the engine's SQLite file while traffic flows: `VACUUM INTO` in a
 * worker thread (backup-thread.ts) reads one WAL snapshot — every committed transaction up to its
 * start, none after — and writes a compact single file (no -wal) that opens on its own. The copy is
 * written to a private temporary name beside the target (0600 from creation) and renamed into place
 * only when complete, so a half-written backup never carries the target's name.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { threadSource } from "../thread-source.js";
import type { BackupThreadData, FromBackupThread } from "./backup-thread.js";
import { mkdirPrivate, PRIVATE_FILE_MODE } from "./private-files.js";

const THREAD_URL = new URL(
  `./backup-thread${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
  import.meta.url,
);

export interface BackupProgress {
  /** Bytes written to the copy so far. */
  bytes: number;
  /** The live pages of the source when the copy started (the copy's expected size). */
  expectedBytes: number;
}

export interface BackupResult {
  file: string;
  bytes: number;
  ms: number;
}

export class BackupError extends Error {
  override name = "BackupError";
}

/** The source's live size (pages in use × page size): what VACUUM INTO will write. */
function expectedSize(source: string): number {
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    const pages = db.pragma("page_count", { simple: true }) as number;
    const free = db.pragma("freelist_count", { simple: true }) as number;
    const size = db.pragma("page_size", { simple: true }) as number;
    return (pages - free) * size;
  } finally {
    db.close();
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * Copies `source` to `target` (which must not exist). `onProgress` is called every `progressMs`
 * while the copy runs and once at the end.
 */
export async function backupSqlite(
  source: string,
  target: string,
  opts: { onProgress?: (p: BackupProgress) => void; progressMs?: number } = {},
): Promise<BackupResult> {
  if (!existsSync(source)) throw new BackupError(`database not found: ${source}`);
  if (existsSync(target)) throw new BackupError(`${target} already exists: choose a new file name`);
  const started = Date.now();
  const expectedBytes = expectedSize(source);
  mkdirPrivate(dirname(target));
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}-${started}`);
  // Created empty and owner-only first: VACUUM INTO writes into an empty file and keeps its mode.
  closeSync(openSync(partial, "wx", PRIVATE_FILE_MODE));
  const report = () => opts.onProgress?.({ bytes: sizeOf(partial), expectedBytes });
  const timer = setInterval(report, opts.progressMs ?? 250);
  try {
    await new Promise<void>((resolve, reject) => {
      const data: BackupThreadData = { kind: "mf-backup", source, target: partial };
      const worker = new Worker(threadSource(THREAD_URL), { eval: true, workerData: data });
      worker.once("message", (m: FromBackupThread) => {
        if (m.type === "done") resolve();
        else reject(new BackupError(`backup failed: ${m.message}`));
      });
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new BackupError(`backup thread exited with ${code}`)));
    });
    const fd = openSync(partial, "r+");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (existsSync(target))
      throw new BackupError(`${target} appeared while the backup ran; copy left unnamed`);
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    clearInterval(timer);
  }
  const bytes = sizeOf(target);
  opts.onProgress?.({ bytes, expectedBytes: bytes });
  return { file: target, bytes, ms: Date.now() - started };
}
