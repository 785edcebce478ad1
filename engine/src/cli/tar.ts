/**
 * A minimal POSIX ustar writer for support bundles: regular files only, names under 100 bytes,
 * gzip'd by the caller. Written here rather than adding a dependency for ~40 lines; `tar -xzf`
 * and every archive tool read it.
 */
export interface TarEntry {
  name: string;
  data: Buffer;
  /** Epoch ms (default now). */
  mtime?: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

function header(entry: TarEntry): Buffer {
  const name = Buffer.from(entry.name, "utf8");
  if (name.length >= 100) throw new Error(`tar entry name too long: ${entry.name}`);
  const h = Buffer.alloc(BLOCK);
  name.copy(h, 0);
  h.write(octal(0o600, 8), 100, "ascii"); // mode: the bundle's files are owner-only too
  h.write(octal(0, 8), 108, "ascii"); // uid
  h.write(octal(0, 8), 116, "ascii"); // gid
  h.write(octal(entry.data.length, 12), 124, "ascii");
  h.write(octal(Math.floor((entry.mtime ?? Date.now()) / 1000), 12), 136, "ascii");
  h.write("        ", 148, "ascii"); // checksum field counts as spaces while summing
  h.write("0", 156, "ascii"); // regular file
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return h;
}

/** The archive's bytes (uncompressed). */
export function tar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e), e.data);
    const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2)); // end of archive
  return Buffer.concat(parts);
}
