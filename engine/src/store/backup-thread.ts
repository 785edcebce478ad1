/**
 * Worker-thread side of `backupSqlite` (sqlite-backup.ts): `VACUUM INTO` on its own read-only
 * connection. It runs as one read transaction on a WAL snapshot, so it never blocks the engine's
 * writers and finishes however fast they write (the backup API restarts on every foreign write).
 * In a thread so the caller's event loop stays free to report progress.
 */
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

export interface BackupThreadData {
  kind: "mf-backup";
  source: string;
  target: string;
}

export type FromBackupThread = { type: "done" } | { type: "error"; message: string };

function run(data: BackupThreadData): void {
  const port = parentPort;
  if (!port) return;
  try {
    const db = new Database(data.source, { readonly: true, fileMustExist: true });
    try {
      db.pragma("busy_timeout = 5000");
      db.prepare("VACUUM INTO ?").run(data.target);
    } finally {
      db.close();
    }
    port.postMessage({ type: "done" } satisfies FromBackupThread);
  } catch (error) {
    port.postMessage({ type: "error", message: (error as Error).message } satisfies FromBackupThread);
  }
}

const data = workerData as BackupThreadData | undefined;
if (parentPort && data?.kind === "mf-backup") run(data);
