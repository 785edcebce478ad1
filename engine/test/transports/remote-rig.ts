/**
 * The real servers behind the remote-file tests (test services: the test's own sshd and vsftpd) as
 * connection settings per variant — sftp, ftp, ftps explicit, ftps implicit — and fresh directories in
 * the server user's area (the servers see the same local paths).
 */
import { randomBytes } from "node:crypto";
import { chownSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ftpServer, sftpServer } from "@messagefoundry/test-services";

export interface Variant {
  label: string;
  transport: "sftp" | "ftp" | "ftps";
  /** Server settings (no path); host/port as the connector should use them. */
  server(): Promise<Record<string, unknown>>;
  /** The server's TCP target (for a fault proxy in front of it). */
  target(): Promise<{ host: string; port: number }>;
  /** The user's writable directory, a local path the server sees the same way. */
  root(): Promise<string>;
}

export const VARIANTS: Variant[] = [
  {
    label: "sftp (private key)",
    transport: "sftp",
    async server() {
      const s = await sftpServer();
      return {
        host: s.host,
        port: s.port,
        username: s.username,
        privateKey: s.privateKey,
        hostKey: s.hostKey,
      };
    },
    async target() {
      const s = await sftpServer();
      return { host: s.host, port: s.port };
    },
    root: async () => (await sftpServer()).dir,
  },
  {
    label: "ftp",
    transport: "ftp",
    async server() {
      const s = await ftpServer();
      return { host: s.host, port: s.port, username: s.username, password: s.password };
    },
    async target() {
      const s = await ftpServer();
      return { host: s.host, port: s.port };
    },
    root: async () => (await ftpServer()).dir,
  },
  {
    label: "ftps explicit",
    transport: "ftps",
    async server() {
      const s = await ftpServer();
      return { host: s.host, port: s.port, username: s.username, password: s.password, tls: { ca: s.ca } };
    },
    async target() {
      const s = await ftpServer();
      return { host: s.host, port: s.port };
    },
    root: async () => (await ftpServer()).dir,
  },
  {
    label: "ftps implicit",
    transport: "ftps",
    async server() {
      const s = await ftpServer();
      return {
        host: s.host,
        port: s.implicitPort,
        mode: "implicit",
        username: s.username,
        password: s.password,
        tls: { ca: s.ca },
      };
    },
    async target() {
      const s = await ftpServer();
      return { host: s.host, port: s.implicitPort };
    },
    root: async () => (await ftpServer()).dir,
  },
];

/** A new directory under the server user's root, owned by that user (the tests run as root). */
export function freshDir(root: string, prefix = "t"): string {
  const dir = join(root, `${prefix}-${randomBytes(4).toString("hex")}`);
  mkdirSync(dir);
  const { uid, gid } = statSync(root);
  chownSync(dir, uid, gid);
  return dir;
}
