// Bundles the VS Code extension, the language server and each webview into dist/ with esbuild.
// The engine is built separately by `tsc -b` (engine/dist) because it ships as its own npm package.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const watch = process.argv.includes("--watch");
const production = process.argv.includes("--production");

/** @type {import("esbuild").BuildOptions} */
const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: "warning",
  // Bundle engine modules (messagefoundry/hl7, messagefoundry/graph) from source.
  conditions: ["source"],
  absWorkingDir: root,
  // hl7/definitions.ts reads import.meta only under Node ESM; in CJS/browser bundles it is unused.
  logOverride: { "empty-import-meta": "silent" },
};

const builds = [];
if (existsSync(join(root, "extension/src/extension.ts"))) {
  builds.push({
    ...common,
    entryPoints: ["extension/src/extension.ts"],
    outfile: "dist/extension.cjs",
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["vscode"],
  });
}
if (existsSync(join(root, "language-server/src/server.ts"))) {
  builds.push({
    ...common,
    entryPoints: ["language-server/src/server.ts"],
    outfile: "dist/language-server.js",
    platform: "node",
    format: "cjs",
    target: "node20",
  });
}
const viewsDir = join(root, "webviews/src/views");
if (existsSync(viewsDir)) {
  for (const view of readdirSync(viewsDir)) {
    const entry = join("webviews/src/views", view, "main.ts");
    if (!existsSync(join(root, entry))) continue;
    builds.push({
      ...common,
      entryPoints: [entry],
      outfile: `dist/webviews/${view}.js`,
      platform: "browser",
      format: "iife",
      target: "es2022",
      loader: { ".ttf": "file", ".css": "css" },
    });
  }
}

// The language server type-checks config modules with the bundled TypeScript, which looks for its
// lib.*.d.ts beside itself: ship them next to dist/language-server.js (the .vsix has no node_modules).
function copyTypeScriptLibs() {
  const from = join(root, "node_modules/typescript/lib");
  mkdirSync(join(root, "dist"), { recursive: true });
  for (const file of readdirSync(from)) {
    if (/^lib\..*\.d\.ts$/.test(file) || file === "lib.d.ts")
      copyFileSync(join(from, file), join(root, "dist", file));
  }
}
if (existsSync(join(root, "language-server/src/server.ts"))) copyTypeScriptLibs();

if (watch) {
  for (const options of builds) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
