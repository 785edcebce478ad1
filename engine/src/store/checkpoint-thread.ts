/**
 * Worker-thread side of the checkpointer (checkpointer.ts): its own connection to the database file,
 * copying the WAL back into the database every `intervalMs`. A PASSIVE checkpoint never waits for or
 * blocks writers, so the engine's connections can run with auto-checkpoint off: their commits no
 * longer stop, now and then, to copy and fsync hundreds of pages while holding the write lock.
 */
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { WriteLock } from "./write-lock.js";

export interface CheckpointThreadData {
  kind: "mf-checkpoint";
  dbPath: string;
  intervalMs: number;
  /**
   * Above this many WAL frames a RESTART checkpoint (blocking writers for the short rest of the copy)
   * makes the next commit write from the start of the WAL again, which bounds the file.
   */
  restartFrames: number;
  /** The engine's in-process write lock (write-lock.ts): writers wait on it, not in busy sleeps. */
  writeLock?: SharedArrayBuffer;
}

export type FromCheckpointThread =
  | { type: "ready" }
  | { type: "checkpoint"; frames: number; checkpointed: number; mode: "PASSIVE" | "RESTART" }
  | { type: "error"; message: string };

function run(data: CheckpointThreadData): void {
  const port = parentPort;
  if (!port) return;
  const db = new Database(data.dbPath);
  const lock = data.writeLock && new WriteLock(data.writeLock);
  // Short: a RESTART waits for readers while holding the engine's write lock; it can try again later.
  db.pragma("busy_timeout = 50");
  // FULL: the checkpoint's fsync of the database file happens here, off the engine's threads.
  db.pragma("synchronous = FULL");
  const checkpoint = (mode: "PASSIVE" | "RESTART") => {
    const [r] = db.pragma(`wal_checkpoint(${mode})`) as { busy: number; log: number; checkpointed: number }[];
    return { frames: r?.log ?? 0, checkpointed: r?.checkpointed ?? 0 };
  };
  let lastReported = 0;
  const timer = setInterval(() => {
    try {
      // PASSIVE copies what it can without blocking anyone; under steady traffic it never lets the
      // WAL start over, so a RESTART (under the engine's write lock) does that once it is long.
      const r = checkpoint("PASSIVE");
      const mode = r.frames > data.restartFrames ? "RESTART" : "PASSIVE";
      if (mode === "RESTART") {
        // Once more without blocking anyone: what was written during the first pass, so the part
        // done under the lock is only the last few frames and the fsync.
        checkpoint("PASSIVE");
        lock?.acquire();
        try {
          checkpoint("RESTART");
        } finally {
          lock?.release();
        }
      }
      // Only news: an idle WAL answers the same (frames = checkpointed) every tick.
      if (r.checkpointed > 0 && (r.checkpointed !== lastReported || mode === "RESTART")) {
        lastReported = r.checkpointed;
        port.postMessage({ type: "checkpoint", ...r, mode } satisfies FromCheckpointThread);
      }
    } catch (error) {
      port.postMessage({ type: "error", message: String(error) } satisfies FromCheckpointThread);
    }
  }, data.intervalMs);
  port.on("message", (m: { type: "stop" }) => {
    if (m.type !== "stop") return;
    clearInterval(timer);
    try {
      checkpoint("PASSIVE");
    } finally {
      db.close();
      port.close();
    }
  });
  port.postMessage({ type: "ready" } satisfies FromCheckpointThread);
}

const data = workerData as CheckpointThreadData | undefined;
if (parentPort && data?.kind === "mf-checkpoint") run(data);
