/**
 * The language server's custom protocol — the one declaration of every `messagefoundry/*` message,
 * imported by the server and by the extension (`@messagefoundry/language-server/protocol`). Each request
 * is a typed `RequestType` with a literal method, so both sides agree on params and result at compile
 * time; `PROTOCOL_VERSION` lets them find out at start when they come from different builds.
 *
 * Runtime imports: vscode-languageserver-protocol only (the client bundles it anyway). Keep this file
 * free of server code so the extension bundle stays small.
 */
import type { Problem, RegistryGraph, SourceLocation } from "messagefoundry/graph";
import { type InitializeResult, RequestType } from "vscode-languageserver-protocol";

/**
 * Bumped when a request, result or setting below changes shape incompatibly. The server reports it in
 * `InitializeResult.capabilities.experimental.messagefoundry.protocolVersion`; the client checks it with
 * `protocolVersionProblem` before sending any custom request.
 */
export const PROTOCOL_VERSION = 1;

/** Settings section the server pulls per document URI (`workspace/configuration`). */
export const SETTINGS_SECTION = "messagefoundry";

export interface ServerSettings {
  /** Config dir (absolute, or relative to the workspace folder); overrides discovery in that folder. */
  config?: string;
  /** Debounce between a keystroke and recomputed diagnostics, in ms. */
  diagnosticsDelayMs?: number;
}

export interface GraphParams {
  /** A document or folder inside the config dir; omitted → the first config dir found. */
  uri?: string;
}

export interface GraphResult {
  /** URI of the config dir; node/edge `location.file` paths are relative to it. */
  configDir: string;
  /** Bumped on every edit the server sees; lets the client drop stale answers. */
  revision: number;
  graph: RegistryGraph;
  problems: Problem[];
}

/** `messagefoundry/graph`: the registry graph of a config dir, with positions, as the CLI prints it. */
export const GraphRequest = new RequestType<GraphParams | undefined, GraphResult | null, void>(
  "messagefoundry/graph",
);

export interface ConfigDir {
  /** `file:` URI of the config dir. */
  uri: string;
  /** Its folder name, for pick lists. */
  name: string;
}

export interface ConfigDirsParams {
  /**
   * A file or folder the caller works on (e.g. the active editor's document): its config dir is found
   * by walking up from it and included even when the workspace search did not reach it.
   */
  uri?: string;
}

export interface ConfigDirsResult {
  /** Sorted by path. */
  dirs: ConfigDir[];
}

/**
 * `messagefoundry/configDirs`: the config dirs of the workspace — per workspace folder the
 * `messagefoundry.config` setting when set, else every folder holding a connections.toml or an
 * environments/ folder (language-server/src/lsp/files.ts `findConfigDirs`) — plus any found above an
 * opened file or `params.uri`. The one search; the extension has none of its own.
 */
export const ConfigDirsRequest = new RequestType<ConfigDirsParams | undefined, ConfigDirsResult, void>(
  "messagefoundry/configDirs",
);

/**
 * What a Steps row is: a recognized action, a control (`if`, `loop`) or any other statement (`code`).
 * `stop` is a handler's `return` of nothing (the message is filtered); `route` a router's `return [...]`.
 */
export type StepKind =
  | "set"
  | "copy"
  | "clear"
  | "map"
  | "deleteSegment"
  | "addSegment"
  | "send"
  | "route"
  | "stop"
  | "if"
  | "loop"
  | "code";

/** One argument of an action; `editable` when it is a string literal (its content span is `location`). */
export interface StepArg {
  role: "path" | "source" | "value" | "segment" | "codeSet" | "outbound" | "handler";
  /** The literal's value, or the expression's text when it is not a literal. */
  value: string;
  editable: boolean;
  location: SourceLocation;
}

/** A block of rows: a function's body, an `if`'s then / else, a loop's body. */
export interface StepBlock {
  /** "" for the function's body; `<row id>:then|else|body` otherwise. */
  id: string;
  label: "body" | "then" | "else";
  /** A braced block: rows can be added, deleted and moved in it. */
  editable: boolean;
  location: SourceLocation;
  rows: StepRow[];
}

/** One statement of the function, in source order. */
export interface StepRow {
  /** `<index>` in the body, `<block id>/<index>` in a nested block; stable for one text of the file. */
  id: string;
  kind: StepKind;
  args: StepArg[];
  /** The statement's source text (what a code row shows). */
  text: string;
  /** Comment lines written just above the statement. */
  comment?: string;
  location: SourceLocation;
  /** Of an `if`: its condition; of a loop: its header. */
  head?: SourceLocation;
  /** The text of `head` (`msg.get("MSH-9.2") === "A08"`, `for (const obx of msg.segments("OBX"))`). */
  headText?: string;
  blocks?: StepBlock[];
}

/** A router's or handler's function as rows. */
export interface StepsFunction {
  kind: "router" | "handler";
  name: string;
  /** Config-relative file. */
  file: string;
  /** The whole `router(...)` / `handler(...)` call. */
  location: SourceLocation;
  /** The message parameter's name (`msg`). */
  param: string;
  body: StepBlock;
}

export interface StepsParams {
  /** The document holding the function. */
  uri: string;
  /** A position inside the declaration, or… */
  position?: { line: number; character: number };
  /** …its name (and kind, when a router and a handler share it). */
  name?: string;
  kind?: "router" | "handler";
}

export interface StepsResult {
  /** URI of the config dir (a Steps view resolves trace files against it). */
  configDir: string;
  revision: number;
  steps: StepsFunction;
  /** Names the view offers for new actions and argument changes. */
  names: { outbound: string[]; handler: string[] };
}

/** `messagefoundry/steps`: the rows of the router or handler at a position or by name, or null. */
export const StepsRequest = new RequestType<StepsParams, StepsResult | null, void>("messagefoundry/steps");

/** A recognized action to insert, with its arguments (`map` reads `source`, looks it up in `codeSet`). */
export type NewStep =
  | { kind: "set"; path: string; value: string }
  | { kind: "copy"; path: string; source: string }
  | { kind: "clear"; path: string }
  | { kind: "map"; path: string; codeSet: string; source: string }
  | { kind: "deleteSegment"; segment: string }
  | { kind: "addSegment"; segment: string }
  | { kind: "send"; outbound: string }
  | { kind: "route"; handlers: string[] }
  | { kind: "stop" };

/** A change made in the Steps view; rows and blocks are named by their ids in the current text. */
export type StepEdit =
  | { type: "setArg"; row: string; arg: number; value: string }
  | { type: "insert"; block: string; index: number; step: NewStep }
  | { type: "delete"; row: string }
  | { type: "move"; row: string; to: number }
  /** Statements as written (e.g. a cookbook recipe with its comments), lines relative to column 0. */
  | { type: "insertCode"; block: string; index: number; code: string; imports?: string[] };

export interface StepEditParams {
  uri: string;
  kind: "router" | "handler";
  name: string;
  /** The revision the view's rows came from: an edit against an older text is refused. */
  revision?: number;
  edit: StepEdit;
}

export interface StepEditResult {
  /** The text edits to apply (as one undoable WorkspaceEdit), or none with `error`. */
  edits: {
    uri: string;
    range: { start: { line: number; character: number }; end: { line: number; character: number } };
    newText: string;
  }[];
  /** Why the edit was refused (a field path that does not exist, an unknown outbound...). */
  error?: string;
}

/** `messagefoundry/stepEdit`: a Steps edit turned into minimal text edits, checked like code. */
export const StepEditRequest = new RequestType<StepEditParams, StepEditResult, void>(
  "messagefoundry/stepEdit",
);

export interface StepCompletionsParams {
  uri: string;
  kind: "router" | "handler";
  name: string;
  role: StepArg["role"];
  /** What the analyst has typed so far. */
  typed: string;
}

export interface StepCompletionsResult {
  items: { value: string; description?: string }[];
}

/**
 * `messagefoundry/stepCompletions`: what a Steps argument offers as it is typed — the completions code
 * gets at the same place (field paths per the function's HL7 version, declared names, segments).
 */
export const StepCompletionsRequest = new RequestType<StepCompletionsParams, StepCompletionsResult, void>(
  "messagefoundry/stepCompletions",
);

/** What the server adds under `InitializeResult.capabilities.experimental`. */
export interface ExperimentalCapabilities {
  messagefoundry: { protocolVersion: number };
}

export function experimentalCapabilities(): ExperimentalCapabilities {
  return { messagefoundry: { protocolVersion: PROTOCOL_VERSION } };
}

/** The protocol version a server reported at initialize, or undefined when it reported none. */
export function reportedProtocolVersion(result: InitializeResult | undefined): number | undefined {
  const experimental = result?.capabilities.experimental as Partial<ExperimentalCapabilities> | undefined;
  const version = experimental?.messagefoundry?.protocolVersion;
  return typeof version === "number" ? version : undefined;
}

/**
 * One sentence for the user when the server's protocol is not the client's (which versions, what to
 * do), or undefined when they match.
 */
export function protocolVersionProblem(
  result: InitializeResult | undefined,
  expected: number = PROTOCOL_VERSION,
): string | undefined {
  const reported = reportedProtocolVersion(result);
  if (reported === expected) return undefined;
  const server =
    reported === undefined ? "reports no protocol version" : `speaks protocol version ${reported}`;
  return (
    `The MessageFoundry language server ${server}, but this extension expects version ${expected}: ` +
    "they come from different builds. Reinstall the MessageFoundry extension (in a development checkout, " +
    "run `npm run build`), then reload the window. Until then the language features and the commands " +
    "that need a config dir are unavailable."
  );
}
