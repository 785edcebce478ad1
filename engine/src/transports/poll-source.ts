/**
 * What a polled inbound reads from: a local directory (file) or a remote one (sftp, ftp, ftps). The
 * polling, the stable check and the after-read actions live once, in poll-inbound.ts; a source only
 * lists, reads, moves and deletes.
 */

/** A regular file directly in the polled directory. */
export interface SourceEntry {
  /** Base name. */
  name: string;
  size: number;
  /** Modification time, epoch ms (the protocol's precision: seconds for SFTP and FTP). */
  mtimeMs: number;
}

export interface PollSource {
  /** Where it reads from, for logs (a path or `sftp://host:port/path`; never credentials). */
  readonly where: string;
  /**
   * Regular files in the directory whose names `wanted` accepts (no links, no subdirectories). Throws
   * when the directory is unreadable.
   */
  list(wanted: (name: string) => boolean): Promise<SourceEntry[]>;
  /**
   * The file's bytes, or why it will not be read (not a regular file, over `max` bytes — never reading
   * more than max + 1). Other failures throw: the poller leaves the file and tries again.
   */
  read(name: string, max: number): Promise<Buffer | string>;
  remove(name: string): Promise<void>;
  /** Moves the file into `dir` without replacing a file there (adds `-1`, `-2`… before the extension). */
  moveInto(name: string, dir: string): Promise<void>;
  /** Creates the move targets (moveTo, errorTo) when missing. */
  prepare(dirs: readonly string[]): Promise<void>;
  /** Drops any connection (after a failure, so the next poll reconnects; and on stop). */
  release(): Promise<void>;
}

/** `name.ext` → `name-i.ext` (i > 0): the names a no-clobber move tries in turn. */
export function numberedName(name: string, i: number): string {
  if (i === 0) return name;
  const dot = name.lastIndexOf(".");
  return dot > 0 ? `${name.slice(0, dot)}-${i}${name.slice(dot)}` : `${name}-${i}`;
}
