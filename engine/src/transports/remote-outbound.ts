/**
 * Remote file outbound (SFTP, FTP, FTPS): writes each payload under a hidden temporary name in the
 * target directory, then renames it to the templated name (template.ts, as the File outbound), so a
 * reader polling that directory never sees a partial file. Errors: the path's or the permissions'
 * (the server said no such directory, permission denied, name not allowed) are `permanent`; everything
 * else — no connection, timeouts, transient server replies — is `retry`, and the connection is dropped.
 */
import { randomBytes } from "node:crypto";
import { posix } from "node:path";
import { errorText } from "./errors.js";
import { numberedName } from "./poll-source.js";
import type { RemoteDir } from "./remote-dir.js";
import { OutboundStats } from "./stats.js";
import { renderFilename, TemplateError } from "./template.js";
import type { ConnectorLog, OutboundConnector, OutboundState, SendMeta, SendResult } from "./types.js";
import { SerialQueue } from "./util.js";

export interface RemoteOutboundSettings {
  /** Target directory on the server. */
  directory: string;
  /** Filename template, e.g. `{MSH-10}.hl7`; default `{messageId}.msg`. */
  filename: string;
  /** When the name is taken: `suffix` (default) writes `name-1.ext`…; `overwrite` replaces it. */
  onExists: "suffix" | "overwrite";
}

export class RemoteOutbound implements OutboundConnector {
  private readonly stats = new OutboundStats();
  private readonly queue = new SerialQueue();
  private seq = 0;

  constructor(
    readonly type: string,
    readonly name: string,
    private readonly settings: RemoteOutboundSettings,
    private readonly remote: RemoteDir,
    private readonly log: ConnectorLog,
  ) {}

  get state(): OutboundState {
    return this.stats.snapshot();
  }

  send(payload: Buffer, meta: SendMeta): Promise<SendResult> {
    return this.queue.run(async () => {
      const result = await this.write(payload, meta);
      this.stats.result(result.status === "ok", result.error);
      if (result.status === "ok") this.stats.status = "connected";
      else {
        this.stats.status = "error";
        // The text may name the file (often rendered from patient fields): debug only; the delivery
        // worker logs the outcome at info+ by class.
        this.log.debug(
          { connection: this.name, messageId: meta.messageId, status: result.status, error: result.error },
          `${this.type} write failed`,
        );
      }
      return result;
    });
  }

  async close(): Promise<void> {
    await this.queue.idle();
    await this.remote.close().catch(() => undefined);
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
    const final = posix.join(s.directory, rel);
    const dir = posix.dirname(final);
    const tmp = posix.join(
      dir,
      `.${posix.basename(final).slice(0, 32)}.${randomBytes(4).toString("hex")}.tmp`,
    );
    let wrote = false;
    try {
      if (rel.includes("/")) await this.remote.mkdirs(dir);
      await this.remote.write(tmp, payload);
      wrote = true;
      const written = await this.publish(tmp, final);
      this.stats.bytesOut(payload.length);
      this.log.debug(
        { connection: this.name, messageId: meta.messageId, file: posix.basename(written) },
        `${this.type} file written`,
      );
      return { status: "ok" };
    } catch (err) {
      const permanent = this.remote.isPermanent(err);
      // The temp file is removed on the same connection when it still works; else the connection is dropped.
      if (permanent && wrote) await this.remote.delete(tmp).catch(() => undefined);
      if (!permanent) await this.remote.close().catch(() => undefined);
      // No path in the text: the name may carry message content (e.g. MSH-10).
      return { status: permanent ? "permanent" : "retry", error: errorText(err).replaceAll(final, "<file>") };
    }
  }

  /** Renames the temp file into place; returns the name used. */
  private async publish(tmp: string, final: string): Promise<string> {
    if (this.settings.onExists === "overwrite") {
      await this.remote.rename(tmp, final, true);
      return final;
    }
    const dir = posix.dirname(final);
    const base = posix.basename(final);
    for (let i = 0; ; i++) {
      const target = posix.join(dir, numberedName(base, i));
      if ((await this.remote.stat(target)) !== undefined) continue;
      await this.remote.rename(tmp, target, false);
      return target;
    }
  }
}
