/**
 * The Steps view's requests: `messagefoundry/steps` (a function's rows), `messagefoundry/stepEdit` (a
 * row edit as text edits), `messagefoundry/stepCompletions` (an argument's completions) and the code lens "Open as Steps" above each router and handler.
 */
import { type CodeLens, type CodeLensParams, LSPErrorCodes, ResponseError } from "vscode-languageserver";
import { argCompletions, stepEdit, stepsOf, stepTargets } from "../core/index.js";
import type {
  StepCompletionsParams,
  StepCompletionsResult,
  StepEditParams,
  StepEditResult,
  StepsParams,
  StepsResult,
} from "../protocol.js";
import { toRange } from "./convert.js";
import { pathToUri } from "./files.js";
import type { ServerState } from "./state.js";

/** The command the code lens runs; the extension registers it (arguments: uri, kind, name). */
export const OPEN_STEPS_COMMAND = "messagefoundry.steps.show";

export function steps(state: ServerState, params: StepsParams): StepsResult | null {
  const loc = state.locateDoc(params.uri);
  if (!loc) return null;
  const model = loc.project.model;
  let at: Parameters<typeof stepsOf>[2] | undefined;
  if (params.name !== undefined) at = { name: params.name, ...(params.kind ? { kind: params.kind } : {}) };
  else if (params.position) {
    const p = state.at(params.uri, params.position);
    if (p) at = { offset: p.offset };
  }
  const answer = at ? stepsOf(model, loc.rel, at) : undefined;
  if (!answer) return null;
  const a = model.analysis();
  return {
    configDir: pathToUri(loc.project.root),
    revision: model.revision,
    steps: answer.steps,
    names: { outbound: [...a.byName.outbound.keys()].sort(), handler: [...a.byName.handler.keys()].sort() },
  };
}

export function editStep(state: ServerState, params: StepEditParams): StepEditResult {
  const loc = state.locateDoc(params.uri);
  if (!loc) throw new ResponseError(LSPErrorCodes.RequestFailed, "Not a file of a config dir.");
  const model = loc.project.model;
  if (params.revision !== undefined && params.revision !== model.revision)
    return {
      edits: [],
      error: "The file changed since the steps were shown; they are refreshed, try again.",
    };
  const r = stepEdit(model, state.dict, { file: loc.rel, kind: params.kind, name: params.name }, params.edit);
  if ("error" in r) return { edits: [], error: r.error };
  return {
    edits: r.edits.map((e) => ({
      uri: state.uriOf(loc.project, e.location.file),
      range: toRange(e.location),
      newText: e.newText,
    })),
  };
}

export function stepCompletions(state: ServerState, params: StepCompletionsParams): StepCompletionsResult {
  const loc = state.locateDoc(params.uri);
  if (!loc) return { items: [] };
  const owner = { file: loc.rel, kind: params.kind, name: params.name };
  return {
    items: argCompletions(loc.project.model, state.dict, owner, params.role, params.typed).slice(0, 200),
  };
}

export function codeLens(state: ServerState, params: CodeLensParams): CodeLens[] {
  const loc = state.locateDoc(params.textDocument.uri);
  if (!loc) return [];
  if (!loc.rel.endsWith(".ts")) return [];
  return stepTargets(loc.project.model, loc.rel).map((t) => ({
    range: toRange({ ...t.location, endLine: t.location.line, endColumn: t.location.column }),
    command: {
      title: "Open as Steps",
      command: OPEN_STEPS_COMMAND,
      arguments: [params.textDocument.uri, t.kind, t.name],
    },
  }));
}
