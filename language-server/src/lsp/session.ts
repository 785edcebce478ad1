/**
 * The LSP adapter: owns the connection, the open documents, one ConfigModel per config dir and the
 * diagnostics schedule. Every edit bumps the model's revision; a diagnostics pass that sees the revision
 * move abandons its work (the next pass is already scheduled). Requests are answered from the current
 * model and one failing request is logged and answered empty — it never takes the server down.
 */
import { type Problem, sortProblems } from "messagefoundry/graph";
import {
  type CancellationToken,
  CodeActionKind,
  type CompletionItem,
  type Connection,
  CreateFile,
  type Diagnostic,
  type InitializeParams,
  type InitializeResult,
  LSPErrorCodes,
  type CodeAction as LspCodeAction,
  MarkupKind,
  ResponseError,
  TextDocumentEdit,
  TextDocumentSyncKind,
  TextDocuments,
  type WorkspaceEdit,
} from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import {
  ConfigModel,
  codeActions,
  complete,
  definition,
  documentSymbols,
  type FsHost,
  type Hl7Dictionary,
  Hl7File,
  type Hl7Validator,
  hover,
  LineIndex,
  prepareRename,
  references,
  rename,
  roleOf,
  type TextEdit,
  workspaceSymbols,
} from "../core/index.js";
import {
  ConfigDirsRequest,
  type ConfigDirsResult,
  type GraphParams,
  GraphRequest,
  type GraphResult,
  SETTINGS_SECTION,
  type ServerSettings,
} from "../protocol.js";
import {
  fromRange,
  toCompletionKind,
  toDiagnostic,
  toDocumentSymbol,
  toRange,
  toSymbolKind,
} from "./convert.js";
import {
  configDirAbove,
  findConfigDirs,
  isConfigDir,
  nodeFsHost,
  pathToUri,
  readConfigFiles,
  readText,
  uriToPath,
} from "./files.js";

export interface ServerOptions {
  dictionary: Hl7Dictionary;
  validate?: Hl7Validator;
  fs?: FsHost;
}

interface Project {
  root: string;
  model: ConfigModel;
  /** Last diagnostics sent per config-relative file, as JSON, to send only what changed. */
  published: Map<string, string>;
  /** Files edited since the last pass: always republished so the client sees a fresh answer. */
  touched: Set<string>;
  timer?: NodeJS.Timeout;
}

const DEFAULT_DELAY_MS = 30;

export function startServer(connection: Connection, options: ServerOptions): void {
  const documents = new TextDocuments(TextDocument);
  const fs = options.fs ?? nodeFsHost();
  const dict = options.dictionary;
  const projects = new Map<string, Project>();
  const settingsCache = new Map<string, Promise<ServerSettings>>();
  const hl7Cache = new Map<string, { version: number; file: Hl7File }>();
  const hl7Published = new Set<string>();
  let folders: string[] = [];
  let canPullSettings = false;
  let ready: Promise<void> = Promise.resolve();

  const log = (msg: string) => connection.console.log(msg);

  // ---- settings (pulled per URI, cached until the client says they changed) ----
  function settingsFor(uri: string): Promise<ServerSettings> {
    if (!canPullSettings) return Promise.resolve({});
    let s = settingsCache.get(uri);
    if (!s) {
      s = connection.workspace
        .getConfiguration({ scopeUri: uri, section: SETTINGS_SECTION })
        .then((v: ServerSettings | null) => v ?? {})
        .catch(() => ({}));
      settingsCache.set(uri, s);
    }
    return s;
  }

  // ---- projects ----
  function addProject(root: string): Project {
    const existing = projects.get(root);
    if (existing) return existing;
    const model = new ConfigModel(root, fs, dict);
    for (const [rel, text] of readConfigFiles(root)) model.setFile(rel, text);
    for (const doc of documents.all()) {
      const rel = relIn(root, doc.uri);
      if (rel !== undefined) model.setFile(rel, doc.getText());
    }
    const p: Project = { root, model, published: new Map(), touched: new Set() };
    projects.set(root, p);
    log(`config dir ${root}: ${model.paths().length} files`);
    return p;
  }

  function relIn(root: string, uri: string): string | undefined {
    if (!uri.startsWith("file:")) return undefined;
    const path = uriToPath(uri);
    return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : undefined;
  }

  /** The project a document belongs to (the deepest config dir containing it), discovering lazily. */
  function locateDoc(uri: string): { project: Project; rel: string } | undefined {
    let best: { project: Project; rel: string } | undefined;
    for (const p of projects.values()) {
      const rel = relIn(p.root, uri);
      if (rel !== undefined && (!best || p.root.length > best.project.root.length))
        best = { project: p, rel };
    }
    if (best || !uri.startsWith("file:")) return best;
    const path = uriToPath(uri);
    const root = configDirAbove(
      path,
      folders.find((f) => path.startsWith(`${f}/`)),
    );
    if (!root) return undefined;
    const project = addProject(root);
    return { project, rel: path.slice(root.length + 1) };
  }

  async function discover(): Promise<void> {
    const roots = new Set<string>();
    for (const folder of folders) {
      const s = await settingsFor(pathToUri(folder));
      if (s.config)
        roots.add(s.config.startsWith("/") ? s.config : `${folder}/${s.config}`.replace(/\/\.\//g, "/"));
      else for (const d of findConfigDirs(folder)) roots.add(d);
    }
    for (const [root, p] of projects)
      if (!roots.has(root)) {
        for (const file of p.published.keys())
          connection.sendDiagnostics({ uri: uriOf(p, file), diagnostics: [] });
        p.model.dispose();
        projects.delete(root);
      }
    for (const root of roots) schedule(addProject(root), 0);
  }

  /** The project whose config dir is, or contains, the given file or folder URI. */
  function projectOf(uri: string): Project | undefined {
    const path = uriToPath(uri).replace(/\/$/, "");
    return projects.get(path) ?? (isConfigDir(path) ? addProject(path) : locateDoc(uri)?.project);
  }

  const uriOf = (p: Project, rel: string) => pathToUri(`${p.root}/${rel}`);

  // ---- diagnostics ----
  function schedule(p: Project, delay: number): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      p.timer = undefined;
      publish(p).catch((e) => connection.console.error(`diagnostics failed: ${(e as Error).stack ?? e}`));
    }, delay);
  }

  const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

  async function publish(p: Project): Promise<void> {
    const rev = p.model.revision;
    const byFile = new Map<string, Problem[]>();
    for (const [file, list] of p.model.analysis().problems()) byFile.set(file, [...list]);
    const touched = new Set(p.touched);
    for (const doc of documents.all()) {
      const rel = relIn(p.root, doc.uri);
      if (rel === undefined) continue;
      const role = roleOf(rel);
      if (role !== "module" && role !== "helper") continue;
      await yieldToLoop(); // let newer edits in; they cancel this pass
      if (p.model.revision !== rev) return;
      const errs = p.model.typeErrors(rel);
      if (errs.length) byFile.set(rel, sortProblems([...(byFile.get(rel) ?? []), ...errs]));
    }
    if (p.model.revision !== rev) return;
    p.touched.clear();
    const files = new Set([...byFile.keys(), ...p.published.keys(), ...touched]);
    for (const file of files) {
      const uri = uriOf(p, file);
      const diagnostics: Diagnostic[] = (byFile.get(file) ?? []).map((d) =>
        toDiagnostic(d, (f) => uriOf(p, f)),
      );
      const json = JSON.stringify(diagnostics);
      if (p.published.get(file) === json && !touched.has(file)) continue;
      if (diagnostics.length) p.published.set(file, json);
      else p.published.delete(file);
      const doc = documents.get(uri);
      connection.sendDiagnostics({ uri, diagnostics, ...(doc ? { version: doc.version } : {}) });
    }
  }

  function hl7FileOf(uri: string): Hl7File | undefined {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    const hit = hl7Cache.get(uri);
    if (hit && hit.version === doc.version) return hit.file;
    const file = new Hl7File(uri, doc.getText());
    hl7Cache.set(uri, { version: doc.version, file });
    return file;
  }

  function publishHl7(uri: string): void {
    const f = hl7FileOf(uri);
    if (!f) return;
    const diagnostics = f.problems(options.validate, dict).map((p) => toDiagnostic(p as Problem, () => uri));
    hl7Published.add(uri);
    const version = documents.get(uri)?.version;
    connection.sendDiagnostics({ uri, diagnostics, ...(version !== undefined ? { version } : {}) });
  }

  const hl7Timers = new Map<string, NodeJS.Timeout>();
  async function onContent(uri: string, saved: boolean): Promise<void> {
    await ready;
    const delay = saved ? 0 : DEFAULT_DELAY_MS;
    if (uri.endsWith(".hl7")) {
      clearTimeout(hl7Timers.get(uri));
      hl7Timers.set(
        uri,
        setTimeout(() => publishHl7(uri), delay),
      );
      return;
    }
    const at = locateDoc(uri);
    const doc = documents.get(uri);
    if (!at || !doc) return;
    at.project.model.setFile(at.rel, doc.getText());
    at.project.touched.add(at.rel);
    const s = await settingsFor(uri);
    schedule(at.project, saved ? 0 : (s.diagnosticsDelayMs ?? DEFAULT_DELAY_MS));
  }

  documents.onDidChangeContent((e) => void onContent(e.document.uri, false));
  documents.onDidSave((e) => void onContent(e.document.uri, true));
  documents.onDidClose((e) => {
    const uri = e.document.uri;
    hl7Cache.delete(uri);
    settingsCache.delete(uri);
    if (hl7Published.delete(uri)) connection.sendDiagnostics({ uri, diagnostics: [] });
    const at = locateDoc(uri);
    if (!at) return;
    // Back to what is on disk: the unsaved edits are gone.
    at.project.model.setFile(at.rel, readText(`${at.project.root}/${at.rel}`));
    schedule(at.project, DEFAULT_DELAY_MS);
  });

  connection.onDidChangeWatchedFiles((params) => {
    for (const change of params.changes) {
      if (documents.get(change.uri)) continue; // the open buffer wins over the disk
      const at = locateDoc(change.uri);
      if (!at) continue;
      if (at.project.model.setFile(at.rel, readText(`${at.project.root}/${at.rel}`)))
        schedule(at.project, DEFAULT_DELAY_MS);
    }
  });

  connection.onDidChangeConfiguration(() => {
    settingsCache.clear();
    ready = discover();
  });

  // ---- requests ----
  /**
   * Runs a request against the current revision. It first yields once so queued edits and
   * `$/cancelRequest`s are applied; a cancelled request is answered RequestCancelled; a throwing one is
   * logged and answered with `fallback` so the server stays up.
   */
  async function guard<T>(
    label: string,
    token: CancellationToken | undefined,
    fallback: T,
    fn: () => T,
  ): Promise<T> {
    await ready;
    await yieldToLoop();
    const cancelled = () => new ResponseError(LSPErrorCodes.RequestCancelled, "request cancelled");
    if (token?.isCancellationRequested) throw cancelled();
    try {
      const result = fn();
      if (token?.isCancellationRequested) throw cancelled();
      return result;
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      connection.console.error(`${label} failed: ${(e as Error).stack ?? e}`);
      return fallback;
    }
  }

  function at(uri: string, position: { line: number; character: number }) {
    const loc = locateDoc(uri);
    if (!loc) return undefined;
    const text = loc.project.model.text(loc.rel);
    if (text === undefined) return undefined;
    return { ...loc, offset: new LineIndex(text).offset(position) };
  }

  function toWorkspaceEdit(p: Project, edits: TextEdit[], create: string[] = []): WorkspaceEdit {
    const changes: Record<string, { range: ReturnType<typeof toRange>; newText: string }[]> = {};
    for (const e of edits) {
      const uri = uriOf(p, e.location.file);
      changes[uri] ??= [];
      changes[uri].push({ range: toRange(e.location), newText: e.newText });
    }
    if (!create.length) return { changes };
    return {
      documentChanges: [
        ...create.map((f) => CreateFile.create(uriOf(p, f), { ignoreIfExists: true })),
        ...Object.entries(changes).map(([uri, list]) =>
          TextDocumentEdit.create({ uri, version: null }, list),
        ),
      ],
    };
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const list = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    folders = list.filter((u) => u.startsWith("file:")).map(uriToPath);
    canPullSettings = !!params.capabilities.workspace?.configuration;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: ['"', "'", "`", "-", ".", "(", " ", "=", "["] },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        foldingRangeProvider: true,
      },
      serverInfo: { name: "messagefoundry-language-server", version: "0.1.0" },
    };
  });

  connection.onInitialized(() => {
    ready = discover();
  });

  connection.onCompletion(async (params, token) => {
    return guard("completion", token, [] as CompletionItem[], () => {
      const loc = at(params.textDocument.uri, params.position);
      if (!loc) return [];
      return complete(loc.project.model, dict, loc.rel, loc.offset).map((c) => {
        const item: CompletionItem = {
          label: c.label,
          kind: toCompletionKind(c.kind),
          textEdit: { range: toRange(c.replace), newText: c.insertText ?? c.label },
          filterText: c.insertText ?? c.label,
        };
        if (c.kind === "hl7" && c.description) item.labelDetails = { detail: `  ${c.description}` };
        else if (c.description) item.labelDetails = { description: c.description };
        if (c.detail) item.detail = c.detail;
        if (c.documentation) item.documentation = { kind: MarkupKind.Markdown, value: c.documentation };
        return item;
      });
    });
  });

  connection.onHover(async (params, token) => {
    return guard("hover", token, null, () => {
      const uri = params.textDocument.uri;
      if (uri.endsWith(".hl7")) {
        const f = hl7FileOf(uri);
        const doc = documents.get(uri);
        const h = f && doc ? f.hover(dict, doc.offsetAt(params.position)) : undefined;
        if (!h || !doc) return null;
        return {
          contents: { kind: MarkupKind.Markdown, value: h.markdown },
          range: { start: doc.positionAt(h.start), end: doc.positionAt(h.end) },
        };
      }
      const loc = at(uri, params.position);
      const h = loc ? hover(loc.project.model, dict, loc.rel, loc.offset) : undefined;
      return h
        ? { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: toRange(h.location) }
        : null;
    });
  });

  connection.onDefinition(async (params, token) => {
    return guard("definition", token, [], () => {
      const loc = at(params.textDocument.uri, params.position);
      if (!loc) return [];
      const p = loc.project;
      return definition(p.model, loc.rel, loc.offset).map((l) => ({
        uri: uriOf(p, l.file),
        range: toRange(l),
      }));
    });
  });

  connection.onReferences(async (params, token) => {
    return guard("references", token, [], () => {
      const loc = at(params.textDocument.uri, params.position);
      if (!loc) return [];
      const p = loc.project;
      return references(p.model, loc.rel, loc.offset, params.context.includeDeclaration).map((l) => ({
        uri: uriOf(p, l.file),
        range: toRange(l),
      }));
    });
  });

  connection.onPrepareRename(async (params, token) => {
    return guard("prepareRename", token, null, () => {
      const loc = at(params.textDocument.uri, params.position);
      const l = loc ? prepareRename(loc.project.model, loc.rel, loc.offset) : undefined;
      return l ? toRange(l) : null;
    });
  });

  connection.onRenameRequest(async (params, token) => {
    return guard("rename", token, null, () => {
      const loc = at(params.textDocument.uri, params.position);
      if (!loc) return null;
      const r = rename(loc.project.model, loc.rel, loc.offset, params.newName);
      if ("error" in r) throw new ResponseError(LSPErrorCodes.RequestFailed, r.error);
      return toWorkspaceEdit(loc.project, r.edits);
    });
  });

  connection.onDocumentSymbol(async (params, token) => {
    return guard("documentSymbol", token, [], () => {
      const uri = params.textDocument.uri;
      if (uri.endsWith(".hl7")) return hl7FileOf(uri)?.symbols().map(toDocumentSymbol) ?? [];
      const loc = locateDoc(uri);
      return loc ? documentSymbols(loc.project.model, loc.rel).map(toDocumentSymbol) : [];
    });
  });

  connection.onWorkspaceSymbol(async (params, token) => {
    return guard("workspaceSymbol", token, [], () =>
      [...projects.values()].flatMap((p) =>
        workspaceSymbols(p.model, params.query).map((s) => ({
          name: s.name,
          kind: toSymbolKind(s.kind),
          containerName: s.kind,
          location: { uri: uriOf(p, s.location.file), range: toRange(s.location) },
        })),
      ),
    );
  });

  connection.onFoldingRanges(async (params, token) => {
    return guard("foldingRange", token, [], () => {
      const uri = params.textDocument.uri;
      if (!uri.endsWith(".hl7")) return [];
      return hl7FileOf(uri)?.folds() ?? [];
    });
  });

  connection.onCodeAction(async (params, token) => {
    return guard("codeAction", token, [] as LspCodeAction[], () => {
      const loc = locateDoc(params.textDocument.uri);
      if (!loc) return [];
      const p = loc.project;
      return codeActions(p.model, loc.rel, fromRange(loc.rel, params.range)).map((a) => {
        const diag = params.context.diagnostics.filter(
          (d) =>
            d.code === a.problem.code &&
            JSON.stringify(d.range) === JSON.stringify(toRange(a.problem.location)),
        );
        const action: LspCodeAction = {
          title: a.title,
          kind: CodeActionKind.QuickFix,
          edit: toWorkspaceEdit(p, a.edits, a.createFiles),
          diagnostics: diag.length ? diag : [toDiagnostic(a.problem, (f) => uriOf(p, f))],
        };
        if (a.preferred) action.isPreferred = true;
        return action;
      });
    });
  });

  connection.onRequest(
    GraphRequest,
    async (params: GraphParams | undefined, token): Promise<GraphResult | null> => {
      return guard(GraphRequest, token, null, () => {
        const p = params?.uri ? projectOf(params.uri) : [...projects.values()][0];
        if (!p) return null;
        const a = p.model.analysis();
        return {
          configDir: pathToUri(p.root),
          revision: a.revision,
          graph: a.graph,
          problems: [...a.problems().values()].flat(),
        };
      });
    },
  );

  connection.onRequest(ConfigDirsRequest, async (): Promise<ConfigDirsResult> => {
    await ready;
    return {
      dirs: [...projects.keys()].map((root) => ({
        uri: pathToUri(root),
        name: root.slice(root.lastIndexOf("/") + 1),
      })),
    };
  });

  connection.onShutdown(() => {
    for (const p of projects.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.model.dispose();
    }
    for (const t of hl7Timers.values()) clearTimeout(t);
  });

  documents.listen(connection);
  connection.listen();
}
