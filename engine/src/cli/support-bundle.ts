/**
 * `messagefoundry support-bundle --to FILE`: what support needs to understand a running engine, in
 * one owner-only .tar.gz — version, config graph (secret settings masked by the API), active version
 * and history, stats and connection states, the engine's recent log lines (GET /support/log), and
 * the settings file with secrets removed. Read over the engine's API with the bearer token in
 * MEFOR_API_TOKEN (a role with monitoring:read). No message bodies, error texts or other PHI: the
 * routes it reads return none to it, and connection error texts (which can quote a message) are
 * dropped even when the token could see them.
 */
import { closeSync, existsSync, openSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import type { Command } from "commander";
import { PRIVATE_FILE_MODE } from "../store/index.js";
import { apiBase } from "./api-base.js";
import { engineSettingsOf } from "./db.js";
import { type CliIo, EXIT, UserError } from "./io.js";
import { redactSecrets } from "./redact.js";
import { engineVersion } from "./serve.js";
import { type TarEntry, tar } from "./tar.js";

interface Options {
  to: string;
  api?: string;
  settings?: string;
}

/** The API routes collected, each into its own file of the bundle. */
const SOURCES = [
  { file: "version.json", path: "/health" },
  { file: "graph.json", path: "/graph" },
  { file: "config-active.json", path: "/config/active" },
  { file: "config-history.json", path: "/config/history" },
  { file: "stats.json", path: "/stats" },
  { file: "connections.json", path: "/connections" },
  { file: "log.json", path: "/support/log" },
] as const;

/** Connection error texts can quote a message: only their class goes in the bundle. */
function withoutErrorTexts(body: unknown): unknown {
  const items = (body as { items?: Record<string, unknown>[] }).items;
  if (!Array.isArray(items)) return body;
  return { ...(body as object), items: items.map((c) => ({ ...c, error: null })) };
}

const jsonFile = (name: string, value: unknown): TarEntry => ({
  name: `support-bundle/${name}`,
  data: Buffer.from(`${JSON.stringify(value, null, 2)}\n`),
});

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("support-bundle")
    .description(
      "Collect version, config graph and history, stats, recent log lines and redacted settings (no PHI)",
    )
    .requiredOption("--to <file>", "the .tar.gz to write (must not exist)")
    .option("--api <url>", "the engine's API (default: --settings [api], else http://127.0.0.1:8765)")
    .option("--settings <file>", "engine.toml: its [api] address, and a redacted copy goes in the bundle")
    .action(async (opts: Options) => {
      const to = resolve(io.cwd, opts.to);
      if (existsSync(to)) throw new UserError(`${opts.to} already exists: choose a new file name`);
      const token = io.env.MEFOR_API_TOKEN;
      if (!token) throw new UserError("MEFOR_API_TOKEN is not set: a bearer token with monitoring:read");
      const base = apiBase(io, opts);
      const entries: TarEntry[] = [];
      const problems: string[] = [];
      for (const source of SOURCES) {
        let res: Response;
        try {
          res = await fetch(`${base}${source.path}`, { headers: { authorization: `Bearer ${token}` } });
        } catch (error) {
          throw new UserError(`cannot reach the engine at ${base}: ${(error as Error).message}`, EXIT.FAILED);
        }
        if (res.status === 401)
          throw new UserError(`${base} refused the token (401): sign in again`, EXIT.FAILED);
        if (!res.ok) {
          problems.push(`${source.path}: HTTP ${res.status}`);
          continue;
        }
        const body: unknown = await res.json();
        if (source.file === "log.json") {
          const log = body as { lines: string[]; dropped: number; capacity: number };
          entries.push({
            name: "support-bundle/log.jsonl",
            data: Buffer.from(log.lines.map((l) => `${l}\n`).join("")),
          });
          entries.push(
            jsonFile("log-info.json", {
              kept: log.lines.length,
              dropped: log.dropped,
              capacity: log.capacity,
            }),
          );
        } else
          entries.push(
            jsonFile(source.file, source.path === "/connections" ? withoutErrorTexts(body) : body),
          );
      }
      const settings = engineSettingsOf(io, opts);
      if (settings)
        entries.push(jsonFile("settings.json", redactSecrets({ store: settings.store, api: settings.api })));
      entries.unshift(
        jsonFile("manifest.json", {
          createdAt: new Date().toISOString(),
          cliVersion: engineVersion(),
          api: base,
          files: entries.map((e) => e.name.slice("support-bundle/".length)),
          problems,
          note: "no message bodies, error texts or patient data; settings secrets replaced by ***",
        }),
      );
      const fd = openSync(to, "wx", PRIVATE_FILE_MODE);
      try {
        writeSync(fd, gzipSync(tar(entries)));
      } finally {
        closeSync(fd);
      }
      io.out(
        `support bundle written: ${to} (${entries.length} files${problems.length ? `; ${problems.join(", ")}` : ""})\n`,
      );
      setExit(EXIT.OK);
    });
}
