/** File connector: directory polling inbound and atomic-write outbound. */
import { join } from "node:path";
import { FileInbound, type FileInboundSettings } from "./file-inbound.js";
import { FileOutbound, type FileOutboundSettings } from "./file-outbound.js";
import { globToRegExp } from "./glob.js";
import { SettingsReader } from "./settings.js";
import type { ConnectorDefinition, RawSettings } from "./types.js";

/*
 * Alternative spellings from the connections.toml schema (engine/src/graph/schemas.ts) are accepted:
 * `path` for `directory`, `pollMs` for `pollIntervalMs`, `deleteAfterRead = true` for `afterRead = "delete"`.
 */

export function readFileInbound(name: string, raw: RawSettings): FileInboundSettings {
  const r = new SettingsReader(name, raw);
  const directory = r.str(r.pick("directory", "path"));
  const pattern = r.str("pattern", "*");
  try {
    globToRegExp(pattern);
  } catch (err) {
    r.fail("pattern", (err as Error).message);
  }
  const afterRead = r.has("afterRead")
    ? r.oneOf("afterRead", ["move", "delete"] as const, "move")
    : r.bool("deleteAfterRead", false)
      ? "delete"
      : "move";
  return {
    directory,
    pattern,
    pollIntervalMs: r.int(r.pick("pollIntervalMs", "pollMs"), { def: 1000, min: 10 }),
    afterRead,
    moveTo: r.str("moveTo", join(directory, "processed")),
    errorTo: r.optStr("errorTo"),
    stableMs: r.int("stableMs", { def: 1000, min: 0 }),
    maxFileBytes: r.int("maxFileBytes", { def: 64 * 1024 * 1024, min: 1 }),
  };
}

export function readFileOutbound(name: string, raw: RawSettings): FileOutboundSettings {
  const r = new SettingsReader(name, raw);
  return {
    directory: r.str(r.pick("directory", "path")),
    filename: r.str("filename", "{messageId}.msg"),
    onExists: r.oneOf("onExists", ["suffix", "overwrite", "wait"] as const, "suffix"),
    fsync: r.bool("fsync", true),
  };
}

export const fileConnector: ConnectorDefinition = {
  inbound: (name, raw) => new FileInbound(name, readFileInbound(name, raw)),
  outbound: (name, raw, deps) => new FileOutbound(name, readFileOutbound(name, raw), deps.log),
};
