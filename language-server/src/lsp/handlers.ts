/**
 * Request handlers (rust-analyzer's `handlers/`): one function per request, from the current state to
 * the LSP answer. They read the state, call the pure core and convert at the edge; they never mutate
 * the state beyond lazily discovering a config dir, and they never schedule work. The main loop
 * (session.ts) wraps each in its cancellation/error guard.
 */
import {
  CodeActionKind,
  type CodeActionParams,
  type CompletionItem,
  type CompletionParams,
  CreateFile,
  type DefinitionParams,
  type DocumentSymbol,
  type DocumentSymbolParams,
  type FoldingRange,
  type FoldingRangeParams,
  type Hover,
  type HoverParams,
  type InitializeParams,
  type InitializeResult,
  type Location,
  LSPErrorCodes,
  type CodeAction as LspCodeAction,
  MarkupKind,
  type PrepareRenameParams,
  type Range,
  type ReferenceParams,
  RenameFile,
  type RenameParams,
  ResponseError,
  type SymbolInformation,
  TextDocumentEdit,
  TextDocumentSyncKind,
  type WorkspaceEdit,
  type WorkspaceSymbolParams,
} from "vscode-languageserver";
import {
  codeActions,
  complete,
  definition,
  documentSymbols,
  hover,
  prepareRename,
  references,
  rename,
  type TextEdit,
  workspaceSymbols,
} from "../core/index.js";
import {
  type ConfigDirsParams,
  type ConfigDirsResult,
  experimentalCapabilities,
  type GraphParams,
  type GraphResult,
} from "../protocol.js";
import {
  fromRange,
  toCompletionKind,
  toDiagnostic,
  toDocumentSymbol,
  toRange,
  toSymbolKind,
} from "./convert.js";
import { pathToUri, uriToPath } from "./files.js";
import { isMessageFileUri, type Project, type ServerState } from "./state.js";

export function initialize(state: ServerState, params: InitializeParams): InitializeResult {
  const list = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  state.folders = list.filter((u) => u.startsWith("file:")).map(uriToPath);
  state.canPullSettings = !!params.capabilities.workspace?.configuration;
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
      codeLensProvider: { resolveProvider: false },
      experimental: experimentalCapabilities(),
    },
    serverInfo: { name: "messagefoundry-language-server", version: "0.1.0" },
  };
}

export function completion(state: ServerState, params: CompletionParams): CompletionItem[] {
  const loc = state.at(params.textDocument.uri, params.position);
  if (!loc) return [];
  return complete(loc.project.model, state.dict, loc.rel, loc.offset).map((c) => {
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
}

export function hoverAt(state: ServerState, params: HoverParams): Hover | null {
  const uri = params.textDocument.uri;
  if (isMessageFileUri(uri)) {
    const f = state.messageFileOf(uri);
    const doc = state.documents.get(uri);
    const h = f && doc ? f.hover(state.dict, doc.offsetAt(params.position)) : undefined;
    if (!h || !doc) return null;
    return {
      contents: { kind: MarkupKind.Markdown, value: h.markdown },
      range: { start: doc.positionAt(h.start), end: doc.positionAt(h.end) },
    };
  }
  const loc = state.at(uri, params.position);
  const h = loc ? hover(loc.project.model, state.dict, loc.rel, loc.offset) : undefined;
  return h
    ? { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: toRange(h.location) }
    : null;
}

export function definitionAt(state: ServerState, params: DefinitionParams): Location[] {
  const loc = state.at(params.textDocument.uri, params.position);
  if (!loc) return [];
  const p = loc.project;
  return definition(p.model, loc.rel, loc.offset).map((l) => ({
    uri: state.uriOf(p, l.file),
    range: toRange(l),
  }));
}

export function referencesAt(state: ServerState, params: ReferenceParams): Location[] {
  const loc = state.at(params.textDocument.uri, params.position);
  if (!loc) return [];
  const p = loc.project;
  return references(p.model, loc.rel, loc.offset, params.context.includeDeclaration).map((l) => ({
    uri: state.uriOf(p, l.file),
    range: toRange(l),
  }));
}

export function prepareRenameAt(state: ServerState, params: PrepareRenameParams): Range | null {
  const loc = state.at(params.textDocument.uri, params.position);
  const l = loc ? prepareRename(loc.project.model, loc.rel, loc.offset) : undefined;
  return l ? toRange(l) : null;
}

/** A rename the core refuses (bad name, clash) is a RequestFailed error the editor shows as is. */
export function renameAt(state: ServerState, params: RenameParams): WorkspaceEdit | null {
  const loc = state.at(params.textDocument.uri, params.position);
  if (!loc) return null;
  const r = rename(loc.project.model, loc.rel, loc.offset, params.newName);
  if ("error" in r) throw new ResponseError(LSPErrorCodes.RequestFailed, r.error);
  return toWorkspaceEdit(state, loc.project, r.edits, [], r.renameFiles);
}

export function documentSymbol(state: ServerState, params: DocumentSymbolParams): DocumentSymbol[] {
  const uri = params.textDocument.uri;
  if (isMessageFileUri(uri)) return state.messageFileOf(uri)?.symbols().map(toDocumentSymbol) ?? [];
  const loc = state.locateDoc(uri);
  return loc ? documentSymbols(loc.project.model, loc.rel).map(toDocumentSymbol) : [];
}

export function workspaceSymbol(state: ServerState, params: WorkspaceSymbolParams): SymbolInformation[] {
  return [...state.projects.values()].flatMap((p) =>
    workspaceSymbols(p.model, params.query).map((s) => ({
      name: s.name,
      kind: toSymbolKind(s.kind),
      containerName: s.kind,
      location: { uri: state.uriOf(p, s.location.file), range: toRange(s.location) },
    })),
  );
}

export function foldingRange(state: ServerState, params: FoldingRangeParams): FoldingRange[] {
  const uri = params.textDocument.uri;
  if (!isMessageFileUri(uri)) return [];
  return state.messageFileOf(uri)?.folds() ?? [];
}

export function codeAction(state: ServerState, params: CodeActionParams): LspCodeAction[] {
  const loc = state.locateDoc(params.textDocument.uri);
  if (!loc) return [];
  const p = loc.project;
  return codeActions(p.model, loc.rel, fromRange(loc.rel, params.range)).map((a) => {
    const diag = params.context.diagnostics.filter(
      (d) =>
        d.code === a.problem.code && JSON.stringify(d.range) === JSON.stringify(toRange(a.problem.location)),
    );
    const action: LspCodeAction = {
      title: a.title,
      kind: CodeActionKind.QuickFix,
      edit: toWorkspaceEdit(state, p, a.edits, a.createFiles),
      diagnostics: diag.length ? diag : [toDiagnostic(a.problem, (f) => state.uriOf(p, f))],
    };
    if (a.preferred) action.isPreferred = true;
    return action;
  });
}

/** `messagefoundry/graph`. */
export function graph(state: ServerState, params: GraphParams | undefined): GraphResult | null {
  const p = params?.uri ? state.projectOf(params.uri) : [...state.projects.values()][0];
  if (!p) return null;
  const a = p.model.analysis();
  return {
    configDir: pathToUri(p.root),
    revision: a.revision,
    graph: a.graph,
    problems: [...a.problems().values()].flat(),
  };
}

/** `messagefoundry/configDirs`; a given URI's config dir is discovered first when it is new. */
export function configDirs(state: ServerState, params: ConfigDirsParams | undefined): ConfigDirsResult {
  if (params?.uri?.startsWith("file:")) state.projectOf(params.uri);
  return state.configDirs();
}

function toWorkspaceEdit(
  state: ServerState,
  p: Project,
  edits: TextEdit[],
  create: string[] = [],
  renames: { from: string; to: string }[] = [],
): WorkspaceEdit {
  const changes: Record<string, { range: Range; newText: string }[]> = {};
  for (const e of edits) {
    const uri = state.uriOf(p, e.location.file);
    changes[uri] ??= [];
    changes[uri].push({ range: toRange(e.location), newText: e.newText });
  }
  if (!create.length && !renames.length) return { changes };
  return {
    documentChanges: [
      ...create.map((f) => CreateFile.create(state.uriOf(p, f), { ignoreIfExists: true })),
      ...Object.entries(changes).map(([uri, list]) => TextDocumentEdit.create({ uri, version: null }, list)),
      ...renames.map((r) => RenameFile.create(state.uriOf(p, r.from), state.uriOf(p, r.to))),
    ],
  };
}
