/**
 * TypeScript type errors for config modules: one LanguageService per config dir over the current
 * texts. File access outside the config's own texts (lib.d.ts, node_modules typings) goes through an
 * injected host so the core itself does no I/O.
 */
import type { SourceLocation } from "messagefoundry/graph";
import ts from "typescript";
import type { FileProblem } from "./facts.js";
import { LineIndex } from "./text.js";

export interface FsHost {
  readFile(absPath: string): string | undefined;
  fileExists(absPath: string): boolean;
  directoryExists?(absPath: string): boolean;
  /** Directory holding TypeScript's lib.*.d.ts files. */
  libDir: string;
}

export interface ScriptSource {
  /** Absolute path → text + version of the config's own modules. */
  scripts(): ReadonlyMap<string, { text: string; version: number }>;
}

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2022.d.ts"],
  types: [],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  allowImportingTsExtensions: true,
  resolveJsonModule: true,
};

/** `Cannot find module 'messagefoundry'` is noise when the engine is not installed next to the config. */
const IGNORED_MODULE_ERRORS = new Set([2307, 2792]);

export class TypeChecker {
  private readonly service: ts.LanguageService;
  private readonly snapshots = new Map<string, { version: number; snap: ts.IScriptSnapshot }>();
  private readonly options: ts.CompilerOptions;

  constructor(
    private readonly source: ScriptSource,
    private readonly fs: FsHost,
    rootDir: string,
  ) {
    // Without the engine's typings next to the config, callbacks like `(msg) => ...` have no contextual
    // type; reporting them as implicit `any` would bury the real errors, so only then relax that check.
    const resolved = ts.resolveModuleName("messagefoundry", `${rootDir}/index.ts`, OPTIONS, {
      fileExists: (f) => this.fs.fileExists(f),
      readFile: (f) => this.fs.readFile(f),
      directoryExists: (d) => this.fs.directoryExists?.(d) ?? true,
    });
    this.options = resolved.resolvedModule ? OPTIONS : { ...OPTIONS, noImplicitAny: false };
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => this.options,
      getScriptFileNames: () => [...this.source.scripts().keys()],
      getScriptVersion: (f) => String(this.source.scripts().get(f)?.version ?? 0),
      getScriptSnapshot: (f) => {
        const own = this.source.scripts().get(f);
        if (own) {
          const hit = this.snapshots.get(f);
          if (hit && hit.version === own.version) return hit.snap;
          const snap = ts.ScriptSnapshot.fromString(own.text);
          this.snapshots.set(f, { version: own.version, snap });
          return snap;
        }
        const text = this.fs.readFile(f);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => rootDir,
      getDefaultLibFileName: (o) => `${this.fs.libDir}/${ts.getDefaultLibFileName(o)}`,
      fileExists: (f) => this.source.scripts().has(f) || this.fs.fileExists(f),
      readFile: (f) => this.source.scripts().get(f)?.text ?? this.fs.readFile(f),
      directoryExists: (d) => this.fs.directoryExists?.(d) ?? true,
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  /** Syntax + semantic errors of one module, positioned, as MF-TYPECHECK problems. */
  diagnostics(absPath: string, relPath: string, text: string): FileProblem[] {
    const diags = [
      ...this.service.getSyntacticDiagnostics(absPath),
      ...this.service.getSemanticDiagnostics(absPath),
    ];
    const index = new LineIndex(text);
    const out: FileProblem[] = [];
    for (const d of diags) {
      if (
        IGNORED_MODULE_ERRORS.has(d.code) &&
        /messagefoundry/.test(ts.flattenDiagnosticMessageText(d.messageText, "\n"))
      )
        continue;
      const start = d.start ?? 0;
      const location: SourceLocation = index.location(relPath, start, start + (d.length ?? 0));
      out.push({
        code: "MF-TYPECHECK",
        severity: d.category === ts.DiagnosticCategory.Error ? "error" : "warning",
        message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
        location,
      });
    }
    return out;
  }

  dispose(): void {
    this.service.dispose();
  }
}
