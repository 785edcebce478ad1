/**
 * The config-dir model: a pure function of the config's file texts. Setting a file bumps the
 * revision; everything else (facts per file, the graph, problems) is derived lazily and cached —
 * per file by text, per revision for the whole.
 */
import {
  envValues,
  type GraphNode,
  type NodeKind,
  type Problem,
  type RegistryGraph,
  type SourceLocation,
  sortProblems,
  validateGraph,
} from "messagefoundry/graph";
import type ts from "typescript";
import {
  type CodeSetInfo,
  isCodeSetFile,
  readCodeSetFile,
  resolveCodeSets,
  unknownCodeSetUses,
} from "./codeSets.js";
import { type EnvFile, isEnvFile, readEnvFile } from "./envFiles.js";
import { emptyFacts, type FileFacts, type FileProblem } from "./facts.js";
import { checkHl7Paths, type Hl7Dictionary } from "./hl7Paths.js";
import { isX12FileName } from "./messageFiles.js";
import { extractConnections } from "./tomlFacts.js";
import { extractModule, parseModule } from "./tsFacts.js";
import { type FsHost, TypeChecker } from "./typecheck.js";

export type FileRole = "module" | "helper" | "connections" | "environment" | "codeset" | "hl7" | "other";

/** How a config-relative path takes part in the config. */
export function roleOf(rel: string): FileRole {
  if (rel === "connections.toml") return "connections";
  if (isEnvFile(rel)) return "environment";
  if (isCodeSetFile(rel)) return "codeset";
  if (rel.endsWith(".hl7") || isX12FileName(rel)) return "hl7";
  if (/(^|\/)(node_modules|dist|\.git)\//.test(rel)) return "other";
  if (rel.endsWith(".ts") && !rel.endsWith(".d.ts")) {
    const base = rel.slice(rel.lastIndexOf("/") + 1);
    if (base.startsWith("_") || rel.startsWith("tests/")) return "helper";
    return "module";
  }
  return "other";
}

interface Entry {
  text: string;
  version: number;
  facts?: FileFacts;
  ast?: ts.SourceFile;
  env?: EnvFile;
  codeSet?: CodeSetInfo;
}

export class Analysis {
  readonly graph: RegistryGraph;
  readonly envFiles: EnvFile[];
  readonly zSegments: Set<string>;
  /** Code sets by name, as the loader resolves them (.toml before .json before .csv). */
  readonly codeSets: ReadonlyMap<string, CodeSetInfo>;
  private readonly codeSetFiles: CodeSetInfo[];
  private problemsByFile?: Map<string, Problem[]>;
  private names?: Record<NodeKind, Map<string, GraphNode[]>>;

  constructor(
    readonly revision: number,
    readonly facts: ReadonlyMap<string, FileFacts>,
    envFiles: EnvFile[],
    private readonly dictionary: Hl7Dictionary,
    codeSetFiles: CodeSetInfo[] = [],
  ) {
    const graph: RegistryGraph = { version: 1, nodes: [], edges: [], envUses: [] };
    const alerts: NonNullable<RegistryGraph["alerts"]> = [];
    const z = new Set<string>();
    for (const f of facts.values()) {
      graph.nodes.push(...f.nodes);
      graph.edges.push(...f.edges);
      graph.envUses.push(...f.envUses);
      alerts.push(...f.alerts);
      for (const s of f.zSegments) z.add(s);
    }
    if (alerts.length > 0) graph.alerts = alerts;
    this.graph = graph;
    this.envFiles = envFiles;
    this.zSegments = z;
    this.codeSetFiles = codeSetFiles;
    this.codeSets = resolveCodeSets(codeSetFiles).byName;
  }

  /** Declared nodes by kind and name (several when duplicated). */
  get byName(): Record<NodeKind, Map<string, GraphNode[]>> {
    if (!this.names) {
      const out: Record<NodeKind, Map<string, GraphNode[]>> = {
        inbound: new Map(),
        outbound: new Map(),
        router: new Map(),
        handler: new Map(),
      };
      for (const n of this.graph.nodes) {
        const list = out[n.kind].get(n.name);
        if (list) list.push(n);
        else out[n.kind].set(n.name, [n]);
      }
      this.names = out;
    }
    return this.names;
  }

  /** Every problem of the config (graph rules, per-file reading problems, HL7 paths), by file. */
  problems(): Map<string, Problem[]> {
    if (this.problemsByFile) return this.problemsByFile;
    const environments: Record<string, Record<string, unknown>> = {};
    const fileKeyLocations: Record<string, Record<string, SourceLocation>> = {};
    for (const e of this.envFiles) {
      environments[e.env] = e.values;
      fileKeyLocations[e.env] = Object.fromEntries(e.keys);
    }
    // No processEnv here: a secret's value lives on the engine's host, so it is never "missing" in the editor.
    const all: Problem[] = validateGraph(this.graph, { environments, fileKeyLocations });
    // "Missing from any environment file": check each environment, not only a selected one.
    for (const env of Object.keys(environments))
      all.push(...envValues(this.graph, { environments, selectedEnv: env }));
    const fileProblems: FileProblem[] = [];
    for (const f of this.facts.values()) fileProblems.push(...f.problems);
    for (const e of this.envFiles) fileProblems.push(...e.problems);
    fileProblems.push(...checkHl7Paths(this, this.dictionary));
    for (const c of this.codeSetFiles) fileProblems.push(...c.problems);
    fileProblems.push(...resolveCodeSets(this.codeSetFiles).problems);
    for (const f of this.facts.values())
      fileProblems.push(...unknownCodeSetUses(f.codeSetUses, this.codeSets));
    all.push(...fileProblems);
    all.push(...mirrors(all));
    const out = new Map<string, Problem[]>();
    for (const p of sortProblems(all)) {
      const list = out.get(p.location.file);
      if (list) list.push(p);
      else out.set(p.location.file, [p]);
    }
    this.problemsByFile = out;
    return out;
  }
}

/**
 * The shared rules report a duplicate name or a port clash once, at the later site. In an editor each
 * site deserves the squiggle, so add the mirror image at the first site, pointing back.
 */
function mirrors(problems: readonly Problem[]): Problem[] {
  const out: Problem[] = [];
  const key = (p: Problem) => `${p.code} ${p.location.file}:${p.location.line}:${p.location.column}`;
  const have = new Set(problems.map(key));
  for (const p of problems) {
    if ((p.code !== "MF-DUPLICATE-NAME" && p.code !== "MF-PORT-CLASH") || !p.related?.length) continue;
    for (const r of p.related) {
      const m: Problem = {
        code: p.code,
        severity: p.severity,
        message:
          p.code === "MF-DUPLICATE-NAME"
            ? `${r.message.replace(/^first declaration of /, "")} is declared again at ${where(p.location)}`
            : `${r.message}, which is also used at ${where(p.location)}`,
        location: r.location,
        related: [{ message: "the other declaration", location: p.location }],
      };
      if (p.hint) m.hint = p.hint;
      if (have.has(key(m))) continue;
      have.add(key(m));
      out.push(m);
    }
  }
  return out;
}

const where = (l: { file: string; line: number; column: number }) => `${l.file}:${l.line}:${l.column}`;

/** One file the extractor cannot read must not take the whole analysis down: report it, keep going. */
function guarded(file: string, extract: () => FileFacts): FileFacts {
  try {
    return extract();
  } catch (e) {
    const facts = emptyFacts();
    facts.problems.push({
      code: "MF-LS-INTERNAL",
      severity: "warning",
      message: `The language server could not analyse this file: ${(e as Error).message}`,
      location: { file, line: 1, column: 1, endLine: 1, endColumn: 1 },
    });
    return facts;
  }
}

export class ConfigModel {
  private readonly files = new Map<string, Entry>();
  private current?: Analysis;
  private checker?: TypeChecker;
  private scriptsView?: Map<string, { text: string; version: number }>;
  revision = 0;

  constructor(
    /** Absolute path of the config dir (forward slashes). */
    readonly root: string,
    private readonly fs: FsHost,
    private readonly dictionary: Hl7Dictionary,
  ) {}

  /** Sets (or with undefined, removes) a file's text; returns true when something changed. */
  setFile(rel: string, text: string | undefined): boolean {
    const prev = this.files.get(rel);
    if (text === undefined) {
      if (!prev) return false;
      this.files.delete(rel);
    } else {
      if (prev?.text === text) return false;
      this.files.set(rel, { text, version: (prev?.version ?? 0) + 1 });
    }
    this.revision++;
    this.current = undefined;
    this.scriptsView = undefined;
    return true;
  }

  text(rel: string): string | undefined {
    return this.files.get(rel)?.text;
  }

  paths(): string[] {
    return [...this.files.keys()];
  }

  /** The syntax tree of a TypeScript file (cached per text). */
  ast(rel: string): ts.SourceFile | undefined {
    const e = this.files.get(rel);
    if (!e || !rel.endsWith(".ts")) return undefined;
    e.ast ??= parseModule(rel, e.text);
    return e.ast;
  }

  analysis(): Analysis {
    if (this.current) return this.current;
    const facts = new Map<string, FileFacts>();
    const envFiles: EnvFile[] = [];
    const codeSets: CodeSetInfo[] = [];
    for (const [rel, e] of this.files) {
      const role = roleOf(rel);
      if (role === "module") {
        e.facts ??= guarded(rel, () => extractModule(rel, e.text, this.ast(rel)));
        facts.set(rel, e.facts);
      } else if (role === "connections") {
        e.facts ??= guarded(rel, () => extractConnections(rel, e.text));
        facts.set(rel, e.facts);
      } else if (role === "environment") {
        e.env ??= readEnvFile(rel, e.text);
        envFiles.push(e.env);
      } else if (role === "codeset") {
        e.codeSet ??= readCodeSetFile(rel, e.text);
        codeSets.push(e.codeSet);
      }
    }
    envFiles.sort((a, b) => a.env.localeCompare(b.env));
    this.current = new Analysis(this.revision, facts, envFiles, this.dictionary, codeSets);
    return this.current;
  }

  /** TypeScript errors of one module (only asked for open documents: this is the costly part). */
  typeErrors(rel: string): FileProblem[] {
    const e = this.files.get(rel);
    if (!e || (roleOf(rel) !== "module" && roleOf(rel) !== "helper")) return [];
    this.checker ??= new TypeChecker({ scripts: () => this.scripts() }, this.fs, this.root);
    return this.checker.diagnostics(`${this.root}/${rel}`, rel, e.text);
  }

  private scripts(): Map<string, { text: string; version: number }> {
    if (!this.scriptsView) {
      this.scriptsView = new Map();
      for (const [rel, e] of this.files) {
        const role = roleOf(rel);
        if (role === "module" || role === "helper")
          this.scriptsView.set(`${this.root}/${rel}`, { text: e.text, version: e.version });
      }
    }
    return this.scriptsView;
  }

  dispose(): void {
    this.checker?.dispose();
  }
}

export { emptyFacts };
