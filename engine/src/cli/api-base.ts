/** Where a client command finds the engine's API: `--api`, else engine.toml's [api], else the default loopback address. */
import { DEFAULT_HOST, DEFAULT_PORT } from "../api/index.js";
import { engineSettingsOf } from "./db.js";
import type { CliIo } from "./io.js";

export function apiBase(
  io: CliIo,
  opts: { api?: string | undefined; settings?: string | undefined },
): string {
  if (opts.api !== undefined) return opts.api.replace(/\/+$/, "");
  const api = engineSettingsOf(io, opts)?.api;
  const scheme = api?.tlsCert !== undefined ? "https" : "http";
  return `${scheme}://${api?.host ?? DEFAULT_HOST}:${api?.port ?? DEFAULT_PORT}`;
}
