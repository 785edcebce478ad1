/**
 * The main loop (rust-analyzer's `main_loop`): wires the connection's events to the state
 * (./state.ts), the diagnostics scheduler (./diagnostics.ts) and the request handlers (./handlers.ts).
 * Every edit updates the model and bumps its revision, then (re)schedules diagnostics; requests are
 * answered from the current model, and one failing request is logged and answered empty — it never
 * takes the server down.
 */
import {
  type CancellationToken,
  type CodeAction,
  type CompletionItem,
  type Connection,
  LSPErrorCodes,
  ResponseError,
  TextDocuments,
} from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { FsHost, Hl7Dictionary, Hl7Validator } from "../core/index.js";
import {
  ConfigDirsRequest,
  GraphRequest,
  SETTINGS_SECTION,
  type ServerSettings,
  StepCompletionsRequest,
  StepEditRequest,
  StepsRequest,
} from "../protocol.js";
import { DEFAULT_DELAY_MS, DiagnosticsScheduler, yieldToLoop } from "./diagnostics.js";
import { nodeFsHost, readText } from "./files.js";
import * as handlers from "./handlers.js";
import { isMessageFileUri, ServerState } from "./state.js";
import * as steps from "./steps.js";

export interface ServerOptions {
  dictionary: Hl7Dictionary;
  validate?: Hl7Validator;
  fs?: FsHost;
}

export function startServer(connection: Connection, options: ServerOptions): void {
  const documents = new TextDocuments(TextDocument);
  const state = new ServerState(documents, {
    dictionary: options.dictionary,
    validate: options.validate,
    fs: options.fs ?? nodeFsHost(),
    pullSettings: (uri) =>
      connection.workspace.getConfiguration({
        scopeUri: uri,
        section: SETTINGS_SECTION,
      }) as Promise<ServerSettings | null>,
    log: (msg) => connection.console.log(msg),
  });
  const diagnostics = new DiagnosticsScheduler(
    state,
    (params) => void connection.sendDiagnostics(params),
    (msg) => connection.console.error(msg),
  );

  /** Finds the config dirs again (settings may have changed) and rechecks each. */
  async function discover(): Promise<void> {
    const roots = await state.discoverRoots();
    for (const p of state.retainProjects(roots)) diagnostics.forget(p);
    for (const root of roots) {
      const p = state.projects.get(root);
      if (p) diagnostics.schedule(p, 0);
    }
  }

  // ---- documents and files ----
  async function onContent(uri: string, saved: boolean): Promise<void> {
    await state.ready;
    if (isMessageFileUri(uri)) {
      diagnostics.scheduleMessageFile(uri, saved ? 0 : DEFAULT_DELAY_MS);
      return;
    }
    const at = state.locateDoc(uri);
    const doc = documents.get(uri);
    if (!at || !doc) return;
    at.project.model.setFile(at.rel, doc.getText());
    diagnostics.touch(at.project, at.rel);
    const s = await state.settingsFor(uri);
    diagnostics.schedule(at.project, saved ? 0 : (s.diagnosticsDelayMs ?? DEFAULT_DELAY_MS));
  }

  documents.onDidChangeContent((e) => void onContent(e.document.uri, false));
  documents.onDidSave((e) => void onContent(e.document.uri, true));
  documents.onDidClose((e) => {
    const uri = e.document.uri;
    state.forgetMessageFile(uri);
    state.forgetSettings(uri);
    diagnostics.closeMessageFile(uri);
    const at = state.locateDoc(uri);
    if (!at) return;
    // Back to what is on disk: the unsaved edits are gone.
    at.project.model.setFile(at.rel, readText(`${at.project.root}/${at.rel}`));
    diagnostics.schedule(at.project, DEFAULT_DELAY_MS);
  });

  connection.onDidChangeWatchedFiles((params) => {
    for (const change of params.changes) {
      if (documents.get(change.uri)) continue; // the open buffer wins over the disk
      const at = state.locateDoc(change.uri);
      if (!at) continue;
      if (at.project.model.setFile(at.rel, readText(`${at.project.root}/${at.rel}`)))
        diagnostics.schedule(at.project, DEFAULT_DELAY_MS);
    }
  });

  connection.onDidChangeConfiguration(() => {
    state.forgetSettings();
    state.ready = discover();
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
    await state.ready;
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

  connection.onInitialize((params) => handlers.initialize(state, params));
  connection.onInitialized(() => {
    state.ready = discover();
  });

  connection.onCompletion((params, token) =>
    guard("completion", token, [] as CompletionItem[], () => handlers.completion(state, params)),
  );
  connection.onHover((params, token) => guard("hover", token, null, () => handlers.hoverAt(state, params)));
  connection.onDefinition((params, token) =>
    guard("definition", token, [], () => handlers.definitionAt(state, params)),
  );
  connection.onReferences((params, token) =>
    guard("references", token, [], () => handlers.referencesAt(state, params)),
  );
  connection.onPrepareRename((params, token) =>
    guard("prepareRename", token, null, () => handlers.prepareRenameAt(state, params)),
  );
  connection.onRenameRequest((params, token) =>
    guard("rename", token, null, () => handlers.renameAt(state, params)),
  );
  connection.onDocumentSymbol((params, token) =>
    guard("documentSymbol", token, [], () => handlers.documentSymbol(state, params)),
  );
  connection.onWorkspaceSymbol((params, token) =>
    guard("workspaceSymbol", token, [], () => handlers.workspaceSymbol(state, params)),
  );
  connection.onFoldingRanges((params, token) =>
    guard("foldingRange", token, [], () => handlers.foldingRange(state, params)),
  );
  connection.onCodeAction((params, token) =>
    guard("codeAction", token, [] as CodeAction[], () => handlers.codeAction(state, params)),
  );
  connection.onRequest(GraphRequest, (params, token) =>
    guard(GraphRequest.method, token, null, () => handlers.graph(state, params)),
  );
  connection.onRequest(StepsRequest, (params, token) =>
    guard(StepsRequest.method, token, null, () => steps.steps(state, params)),
  );
  connection.onRequest(StepEditRequest, (params, token) =>
    guard(StepEditRequest.method, token, { edits: [], error: "The edit failed." }, () =>
      steps.editStep(state, params),
    ),
  );
  connection.onRequest(StepCompletionsRequest, (params, token) =>
    guard(StepCompletionsRequest.method, token, { items: [] }, () => steps.stepCompletions(state, params)),
  );
  connection.onCodeLens((params, token) => guard("codeLens", token, [], () => steps.codeLens(state, params)));
  connection.onRequest(ConfigDirsRequest, async (params) => {
    await state.ready;
    return handlers.configDirs(state, params);
  });

  connection.onShutdown(() => {
    diagnostics.dispose();
    state.dispose();
  });

  documents.listen(connection);
  connection.listen();
}
