/**
 * Files an inbound read and left in place (`afterRead = "leave"`), remembered by name, size and mtime in
 * a small JSON file, so neither the next poll nor a restart reads them again. A file that changes (new
 * size or mtime) is read again. Entries of files no longer listed are dropped, keeping the file small.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";

/** The key a file is remembered by. */
export const signature = (f: { size: number; mtimeMs: number }): string => `${f.size}:${f.mtimeMs}`;

export class RememberedFiles {
  private entries = new Map<string, string>();
  private loaded = false;

  constructor(readonly path: string) {}

  /** Reads the file once; a missing file is an empty memory, a corrupt one an error (never a silent re-read of everything). */
  async load(): Promise<void> {
    if (this.loaded) return;
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      text = "{}";
    }
    const data = JSON.parse(text) as unknown;
    if (data === null || typeof data !== "object" || Array.isArray(data))
      throw new Error(`${this.path} is not a remembered-files table`);
    this.entries = new Map(
      Object.entries(data as Record<string, unknown>).filter(
        (e): e is [string, string] => typeof e[1] === "string",
      ),
    );
    this.loaded = true;
  }

  has(name: string, sig: string): boolean {
    return this.entries.get(name) === sig;
  }

  /** Remembers a file durably (written and fsynced before it resolves). */
  async add(name: string, sig: string): Promise<void> {
    this.entries.set(name, sig);
    await this.save();
  }

  /** Forgets files that are gone; saves only when something was dropped. */
  async keepOnly(present: ReadonlySet<string>): Promise<void> {
    let dropped = false;
    for (const name of this.entries.keys()) {
      if (!present.has(name)) {
        this.entries.delete(name);
        dropped = true;
      }
    }
    if (dropped) await this.save();
  }

  private async save(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${randomBytes(4).toString("hex")}.tmp`;
    const fh = await open(tmp, "wx", 0o600);
    try {
      await fh.writeFile(JSON.stringify(Object.fromEntries(this.entries)));
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, this.path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }
}
