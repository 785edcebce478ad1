/**
 * A polled inbound, written once for the File, SFTP, FTP and FTPS connectors: lists a directory through
 * a `PollSource`, hands each stable file matching the glob to the intake as one payload, oldest first
 * (mtime, then name), and only AFTER the intake accepted it (its ingress row committed) moves, deletes or
 * remembers it. If the intake fails, the file stays and is read again on a later poll.
 *
 * Stable check: a file is read once its size and mtime look the same on two polls at least `stableMs`
 * apart (with `readAtFirstSight` and `stableMs = 0`, at first sight: the File connector's old default).
 */
import { errorCode, errorText, fileRef } from "./errors.js";
import { globMatcher } from "./glob.js";
import type { PollSource, SourceEntry } from "./poll-source.js";
import { type RememberedFiles, signature } from "./remembered.js";
import { InboundStats } from "./stats.js";
import type { InboundConnector, InboundContext, InboundState } from "./types.js";

export interface PollSettings {
  /** Glob on the base name (hidden files never match `*`). */
  pattern: string;
  pollIntervalMs: number;
  /** The file must look unchanged this long (and, unless read at first sight, across two polls). */
  stableMs: number;
  /** With `stableMs = 0`, read a file the first time it is listed. */
  readAtFirstSight: boolean;
  /** After the intake accepted a file: move it to `moveTo`, delete it, or leave it and remember it. */
  afterRead: "move" | "delete" | "leave";
  moveTo?: string;
  /** Where files the intake did not accept go; unset: they stay and are skipped until they change. */
  errorTo?: string;
  /** Larger files are not read (logged, moved to errorTo if set). */
  maxFileBytes: number;
  /** Required for `leave`: where read files are remembered across restarts. */
  remembered?: RememberedFiles;
}

interface Seen {
  sig: string;
  since: number;
}

export class PollingInbound implements InboundConnector {
  private readonly stats = new InboundStats();
  private readonly matches: (name: string) => boolean;
  private ctx: InboundContext | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopping = false;
  private prepared = false;
  /** Last observation per file, for the stable check. */
  private readonly seen = new Map<string, Seen>();
  /** Files to leave alone until they change: rejected, too large, or accepted but not movable. */
  private readonly skip = new Map<string, string>();
  private lastPollError: string | undefined;

  constructor(
    readonly type: string,
    readonly name: string,
    private readonly settings: PollSettings,
    private readonly source: PollSource,
  ) {
    if (settings.afterRead === "leave" && !settings.remembered)
      throw new Error(`${type} inbound ${name}: afterRead "leave" needs a remembered-files store`);
    this.matches = globMatcher(settings.pattern);
  }

  get state(): InboundState {
    return this.stats.snapshot();
  }

  async start(ctx: InboundContext): Promise<void> {
    this.ctx = ctx;
    this.stopping = false;
    await this.settings.remembered?.load();
    this.stats.status = "listening";
    ctx.log.info(
      { connection: this.name, transport: this.type, directory: this.source.where },
      `${this.type} inbound polling`,
    );
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.polling;
    await this.source.release().catch(() => undefined);
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
    let ready: SourceEntry[];
    try {
      if (!this.prepared) {
        const dirs = [s.afterRead === "move" ? s.moveTo : undefined, s.errorTo];
        await this.source.prepare(dirs.filter((d): d is string => d !== undefined));
        this.prepared = true;
      }
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
      await this.source.release().catch(() => undefined);
      return;
    }
    for (const f of ready) {
      if (this.stopping) return;
      if (!(await this.take(f))) return; // the source failed: the next poll starts over
    }
  }

  /** Reads one file, hands it to the intake, then disposes of it. False when the source failed. */
  private async take(f: SourceEntry): Promise<boolean> {
    const s = this.settings;
    const sig = signature(f);
    // File names may carry PHI: at warn/error only a hash of them (noteFile).
    if (f.size > s.maxFileBytes) {
      this.noteFile("error", f.name, undefined, "file exceeds maxFileBytes", { size: f.size });
      await this.reject(f.name, sig);
      return true;
    }
    let payload: Buffer;
    try {
      const read = await this.source.read(f.name, s.maxFileBytes);
      if (typeof read === "string") {
        this.noteFile("error", f.name, undefined, `file not read: ${read}`);
        await this.reject(f.name, sig);
        return true;
      }
      payload = read;
    } catch (err) {
      this.noteFile("warn", f.name, err, "cannot read file; will retry");
      await this.source.release().catch(() => undefined);
      return false;
    }
    this.stats.bytesIn(payload.length);
    this.stats.message();
    let accepted: boolean;
    try {
      accepted = (await this.ctx!.receive(payload, { transport: this.type, filename: f.name })).accepted;
    } catch (err) {
      // Nothing committed: leave the file for the next poll.
      this.noteFile("error", f.name, err, "intake failed; will retry");
      return true;
    }
    this.seen.delete(f.name);
    if (accepted) await this.dispose(f.name, sig);
    else await this.reject(f.name, sig);
    return true;
  }

  /** Lists matching files and returns those that passed the stable check, oldest first. */
  private async readyFiles(): Promise<SourceEntry[]> {
    const s = this.settings;
    const now = Date.now();
    const present = new Set<string>();
    const ready: SourceEntry[] = [];
    for (const f of await this.source.list(this.matches)) {
      present.add(f.name);
      const sig = signature(f);
      if (s.remembered?.has(f.name, sig)) continue;
      if (this.skip.get(f.name) === sig) continue;
      this.skip.delete(f.name);
      const prev = this.seen.get(f.name);
      if ((s.readAtFirstSight && s.stableMs === 0) || (prev?.sig === sig && now - prev.since >= s.stableMs)) {
        ready.push(f);
      } else if (prev?.sig !== sig) {
        this.seen.set(f.name, { sig, since: now });
      }
    }
    for (const k of this.seen.keys()) if (!present.has(k)) this.seen.delete(k);
    for (const k of this.skip.keys()) if (!present.has(k)) this.skip.delete(k);
    await s.remembered?.keepOnly(present);
    return ready.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private async dispose(name: string, sig: string): Promise<void> {
    const s = this.settings;
    try {
      if (s.afterRead === "delete") await this.source.remove(name);
      else if (s.afterRead === "move") await this.source.moveInto(name, s.moveTo!);
      else await s.remembered!.add(name, sig);
    } catch (err) {
      // Already committed: never read it again (while it is unchanged), or it would be ingested twice.
      this.skip.set(name, sig);
      const verb = s.afterRead === "leave" ? "remember" : s.afterRead;
      this.noteFile("error", name, err, `accepted but could not ${verb} the file; it will be skipped`);
      await this.source.release().catch(() => undefined);
    }
  }

  private async reject(name: string, sig: string): Promise<void> {
    const s = this.settings;
    if (s.errorTo) {
      try {
        await this.source.moveInto(name, s.errorTo);
        this.noteFile("warn", name, undefined, "file not accepted; moved to errorTo");
        return;
      } catch (err) {
        this.noteFile("error", name, err, "cannot move file to errorTo");
      }
    }
    this.skip.set(name, sig);
    this.noteFile("warn", name, undefined, "file not accepted; skipped until it changes");
  }

  /**
   * File names and error texts (which quote paths) may carry PHI: at warn/error only a hash of the name
   * (`fileRef`) and the error's code; the same line at debug with the name and the full text.
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
}
