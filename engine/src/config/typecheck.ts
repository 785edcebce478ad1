/**
 * Type-check a config dir with the TypeScript compiler API, `messagefoundry` resolved to this engine's
 * own types (so it works before `npm install` in the config repo). Only config-file diagnostics are kept.
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import type { Problem } from "../graph/index.js";

/** This engine's type entry: src/index.ts when running from source, dist/index.d.ts when built. */
function engineTypesEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const src = resolve(here, "../index.ts");
  return existsSync(src) ? src : resolve(here, "../index.d.ts");
}

function allSources(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      if (ent.name === "node_modules" || ent.name.startsWith(".")) continue;
      const full = join(d, ent.name);
      if (ent.isDirectory()) walk(full);
      else if (ent.name.endsWith(".ts")) out.push(full);
    }
  };
  walk(dir);
  return out.sort();
}

export function typecheckConfig(dir: string): Problem[] {
  const configDir = resolve(dir);
  const entry = engineTypesEntry();
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2023.d.ts"],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    allowImportingTsExtensions: true,
    types: ["node"],
    typeRoots: [
      resolve(dirname(entry), "../../node_modules/@types"),
      resolve(dirname(entry), "../node_modules/@types"),
    ],
    baseUrl: configDir,
    paths: { messagefoundry: [entry], "messagefoundry/*": [resolve(dirname(entry), "*")] },
  };
  const program = ts.createProgram(allSources(configDir), options);
  const problems: Problem[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const f = d.file;
    if (!f || !resolve(f.fileName).startsWith(configDir + sep)) continue;
    const s = f.getLineAndCharacterOfPosition(d.start ?? 0);
    const e = f.getLineAndCharacterOfPosition((d.start ?? 0) + (d.length ?? 0));
    problems.push({
      code: "MF-TYPECHECK",
      severity: "error",
      message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
      location: {
        file: relative(configDir, f.fileName).split(sep).join("/"),
        line: s.line + 1,
        column: s.character + 1,
        endLine: e.line + 1,
        endColumn: e.character + 1,
      },
    });
  }
  return problems;
}
