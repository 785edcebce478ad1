/**
 * File outbound: writes each payload to `directory/<rendered template>` atomically — a hidden temp
 * file in the same directory, fsync, then a no-clobber link (or rename when overwriting) — so a
 * reader never sees a partial file. A name the file system refuses (too long, invalid) is a permanent
 * failure — the message is dead-lettered — while the directory itself is usable: resending the same
 * name can never work, and a retry would hold the lane forever.
 */
import { randomBytes } from "node:crypto";
import { link, mkdir, open, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { errorText } from "./errors.js";
import { OutboundStats } from "./stats.js";
import { renderFilename, TemplateError } from "./template.js";
import type { ConnectorLog, OutboundConnector, OutboundState, SendMeta, SendResult } from "./types.js";
import { SerialQueue } from "./util.js";

export interface FileOutboundSettings {
  directory: string;
  /** Filename template, e.g. `{MSH-10}.hl7` or `{messageId}.json`; default `{messageId}.msg`. */
  filename: string;
  /**
   * When the name is taken: `suffix` (default) writes `name-1.ext`…; `overwrite` replaces it;
   * `wait` reports `retry` until a downstream has picked the existing file up (fixed-name hand-offs).
   */
  onExists: "suffix" | "overwrite" | "wait";
  /** fsync the file and its directory before reporting ok. Default true. */
  fsync: boolean;
}

export class FileOutbound implements OutboundConnector {
  readonly type = "file";
  private readonly stats = new OutboundStats();
  private readonly queue = new SerialQueue();
  private seq = 0;

  constructor(
    readonly name: string,
    private readonly settings: FileOutboundSettings,
    private readonly log: ConnectorLog,
  ) {}

  get state(): OutboundState {
    return this.stats.snapshot();
  }

  send(payload: Buffer, meta: SendMeta): Promise<SendResult> {
    return this.queue.run(async () => {
      const result = await this.write(payload, meta);
      this.stats.result(result.status === "ok", result.error);
      if (result.status !== "ok") {
        // The text names the file (often rendered from patient fields): debug only; the delivery
        // worker logs the outcome at info+ by class.
        this.log.debug(
          { connection: this.name, messageId: meta.messageId, status: result.status, error: result.error },
          "file write failed",
        );
      }
      return result;
    });
  }

  async close(): Promise<void> {
    await this.queue.idle();
    this.stats.status = "closed";
  }

  private async write(payload: Buffer, meta: SendMeta): Promise<SendResult> {
    const s = this.settings;
    let rel: string;
    try {
      rel = renderFilename(s.filename, meta, new Date(), ++this.seq);
    } catch (err) {
      if (err instanceof TemplateError) return { status: "permanent", error: err.message };
      throw err;
    }
    const final = join(s.directory, rel);
    const dir = dirname(final);
    // Short, so the temp name fits wherever the final name does.
    const tmp = join(dir, `.${basename(final).slice(0, 32)}.${randomBytes(4).toString("hex")}.tmp`);
    try {
      // Patient data: owner-only whatever the umask (folders the engine creates, and the file).
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const fh = await open(tmp, "wx", 0o600);
      try {
        await fh.writeFile(payload);
        if (s.fsync) await fh.sync();
      } finally {
        await fh.close();
      }
      const written = await this.publish(tmp, final);
      if (!written) {
        await unlink(tmp);
        return { status: "retry", error: `${basename(final)} already exists (onExists = wait)` };
      }
      if (s.fsync) await syncDir(dir);
      this.stats.bytesOut(payload.length);
      this.log.debug(
        { connection: this.name, messageId: meta.messageId, file: basename(written) },
        "file written",
      );
      return { status: "ok" };
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== undefined && NAME_REFUSED.has(code) && (await isDirectory(s.directory))) {
        // No path in the text: the name may carry message content (e.g. MSH-10).
        return { status: "permanent", error: `${code}: the file system refused the file name` };
      }
      return { status: "retry", error: errorText(err) };
    }
  }

  /** Moves the temp file into place; returns the final path, or undefined when waiting on an existing file. */
  private async publish(tmp: string, final: string): Promise<string | undefined> {
    if (this.settings.onExists === "overwrite") {
      await rename(tmp, final);
      return final;
    }
    const ext = extname(final);
    const base = final.slice(0, final.length - ext.length);
    for (let i = 0; ; i++) {
      const target = i === 0 ? final : `${base}-${i}${ext}`;
      try {
        await link(tmp, target); // fails with EEXIST instead of replacing: no-clobber and atomic
        await unlink(tmp);
        return target;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        if (this.settings.onExists === "wait") return undefined;
      }
    }
  }
}

/**
 * Errors that say the name itself is unusable: too long, invalid on this file system (EINVAL: e.g. `:`
 * on SMB/NTFS; EILSEQ: bad encoding), or a NUL byte (Node refuses it before the system call).
 */
const NAME_REFUSED = new Set(["ENAMETOOLONG", "EINVAL", "EILSEQ", "ERR_INVALID_ARG_VALUE"]);

/** The configured directory works, so a refused name is the message's fault, not the setting's. */
async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the file itself is already synced.
  } finally {
    await fh.close();
  }
}
