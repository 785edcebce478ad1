/**
 * The config bundle POSTed to /config/stage: the files of the config dir that define the graph —
 * modules (*.ts), connections.toml, environments/*.toml, codesets/** and tests/** — keyed by their path
 * relative to the config dir with forward slashes. Build output and dependencies are never shipped.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

const SKIP_DIRS = new Set(["node_modules", "dist", "out", ".git", ".messagefoundry", ".vscode"]);
/** Per file and in total: a config is source text; anything larger is a mistake (a DB, a log). */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;
export const MAX_BUNDLE_BYTES = 20 * 1024 * 1024;

export function includeInBundle(rel: string): boolean {
  const parts = rel.split("/");
  const top = parts[0] ?? "";
  if (top === "codesets" || top === "tests") return parts.length > 1;
  if (top === "environments") return parts.length === 2 && rel.endsWith(".toml");
  if (rel === "connections.toml") return true;
  return rel.endsWith(".ts") && !rel.endsWith(".d.ts");
}

export function collectBundle(configDir: string): Record<string, string> {
  const files: Record<string, string> = {};
  let total = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(full);
        continue;
      }
      if (!entry.isFile()) continue;
      const rel = relative(configDir, full).split(sep).join("/");
      if (!includeInBundle(rel)) continue;
      const size = statSync(full).size;
      if (size > MAX_FILE_BYTES)
        throw new Error(`${rel} is ${size} bytes; config files are limited to 2 MB.`);
      total += size;
      if (total > MAX_BUNDLE_BYTES) throw new Error("The config bundle exceeds 20 MB.");
      files[rel] = readFileSync(full, "utf8");
    }
  };
  walk(configDir);
  return files;
}
