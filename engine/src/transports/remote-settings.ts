/**
 * Settings the remote file connectors (sftp, ftp, ftps) share: the server, the polled directory and the
 * write target. Names follow the connections.toml schema (engine/src/graph/schemas.ts).
 */
import { posix } from "node:path";
import { globToRegExp } from "./glob.js";
import type { PollSettings } from "./poll-inbound.js";
import { RememberedFiles } from "./remembered.js";
import type { RemoteOutboundSettings } from "./remote-outbound.js";
import type { SettingsReader } from "./settings.js";

export interface RemoteServerSettings {
  host: string;
  port: number;
  username?: string;
  /** From an env() secret. */
  password?: string;
  /** Connecting and logging in must finish within this. Default 10000 ms. */
  connectTimeoutMs: number;
  /** Each later operation must finish within this, else the connection is dropped. Default 30000 ms. */
  timeoutMs: number;
}

export function readRemoteServer(r: SettingsReader, defaultPort: number): RemoteServerSettings {
  return {
    host: r.str("host"),
    port: r.has("port") ? r.int("port", { min: 1, max: 65535 }) : defaultPort,
    username: r.optStr("username"),
    password: r.optStr("password"),
    connectTimeoutMs: r.int("connectTimeoutMs", { def: 10_000, min: 1 }),
    timeoutMs: r.int("timeoutMs", { def: 30_000, min: 1 }),
  };
}

export interface RemoteInboundSettings extends PollSettings {
  directory: string;
}

export function readRemoteInbound(r: SettingsReader): RemoteInboundSettings {
  const directory = r.str("path");
  const pattern = r.str("pattern", "*");
  try {
    globToRegExp(pattern);
  } catch (err) {
    r.fail("pattern", (err as Error).message);
  }
  const afterRead = r.oneOf("afterRead", ["move", "delete", "leave"] as const, "move");
  const rememberFile = r.optStr("rememberFile");
  if (afterRead === "leave" && rememberFile === undefined)
    r.fail(
      "rememberFile",
      'is required when afterRead is "leave" (a local file that remembers what was read)',
    );
  return {
    directory,
    pattern,
    pollIntervalMs: r.int("pollMs", { def: 5000, min: 10 }),
    stableMs: r.int("stableMs", { def: 0, min: 0 }),
    readAtFirstSight: false,
    afterRead,
    moveTo: afterRead === "move" ? r.str("moveTo", posix.join(directory, "processed")) : undefined,
    errorTo: r.optStr("errorTo"),
    maxFileBytes: r.int("maxFileBytes", { def: 64 * 1024 * 1024, min: 1 }),
    remembered: rememberFile === undefined ? undefined : new RememberedFiles(rememberFile),
  };
}

export function readRemoteOutbound(r: SettingsReader): RemoteOutboundSettings {
  return {
    directory: r.str("path"),
    filename: r.str("filename", "{messageId}.msg"),
    onExists: r.oneOf("onExists", ["suffix", "overwrite"] as const, "suffix"),
  };
}
