/**
 * The eval source that starts a worker thread on a module of this package. Under tsx (running from
 * source: tests, benchmarks) the thread registers tsx before importing the .ts module; a built
 * engine imports the .js module directly.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

export function threadSource(moduleUrl: URL): string {
  const url = JSON.stringify(moduleUrl.href);
  if (!moduleUrl.href.endsWith(".ts")) return `import(${url});`;
  const tsx = JSON.stringify(tsxApiUrl());
  return `import(${tsx}).then((m) => { m.register(); return import(${url}); });`;
}

/**
 * tsx's ESM register API, found through its package.json exports (import.meta.resolve is missing
 * when a test runner transpiles this file to CJS, and require.resolve would pick the CJS build).
 */
function tsxApiUrl(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve("tsx/package.json");
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as {
    exports: Record<string, { import?: { default?: string } }>;
  };
  const rel = pkg.exports["./esm/api"]?.import?.default ?? "./dist/esm/api/index.mjs";
  return pathToFileURL(join(dirname(pkgPath), rel)).href;
}
