/**
 * Steps view: one router's or handler's function as rows (the language server's `messagefoundry/steps`,
 * passed through unchanged), live values from a traced dry run of a sample the user picks, and edits
 * (change a literal, add a recognized action, delete, move) that the host turns into one undoable
 * WorkspaceEdit through `messagefoundry/stepEdit`. The view maps the trace onto the rows itself
 * (model/steps-live.ts), so masking is a view toggle that needs no new run.
 */
import type { StepArg, StepEdit, StepsFunction } from "@messagefoundry/language-server/protocol";
import type { DryRunResult } from "messagefoundry/api";
import type { HostErrorMessage, ReadyMessage } from "./common.js";

/** A message the live values can come from: a sample file or a saved Test Bench fixture. */
export interface StepsSample {
  /** The file's URI string. */
  id: string;
  label: string;
  kind: "sample" | "fixture";
}

/** Host → view: the function's rows (after `ready`, and again after every change of its file). */
export interface StepsLoad {
  type: "steps";
  steps: StepsFunction;
  /** The server's revision the rows come from; edits carry it back. */
  revision: number;
  /** Declared names offered for outbound / handler arguments. */
  names: { outbound: string[]; handler: string[] };
}

/** Host → view: the messages live values can be shown for, and the one picked (remembered per panel). */
export interface StepsSamples {
  type: "samples";
  samples: StepsSample[];
  selected?: string;
}

/** Host → view: a traced dry run of the picked sample (the result for its first message), or why not. */
export interface StepsLive {
  type: "live";
  sample: string;
  result?: DryRunResult;
  error?: string;
}

/** Host → view: the language server refused an edit (a field path that does not exist…). */
export interface StepsEditRefused {
  type: "editRefused";
  message: string;
}

/** Host → view: the answer to a `complete` (the language server's `messagefoundry/stepCompletions`). */
export interface StepsCompletions {
  type: "completions";
  requestId: number;
  items: { value: string; description?: string }[];
}

export type StepsToView =
  | StepsLoad
  | StepsSamples
  | StepsLive
  | StepsEditRefused
  | StepsCompletions
  | HostErrorMessage;

/** View → host: apply this edit to the rows of `revision`. */
export interface StepsEditRequest {
  type: "edit";
  revision: number;
  edit: StepEdit;
}

/** View → host: show these lines in the editor (a row's "code" link). */
export interface StepsOpenLines {
  type: "openLines";
  line: number;
  endLine: number;
}

/** View → host: run the traced dry run of this sample (and remember it). */
export interface StepsRunSample {
  type: "runSample";
  sample: string;
}

/** View → host: what an argument offers for the text typed so far (a field path, a name, a segment). */
export interface StepsComplete {
  type: "complete";
  requestId: number;
  role: StepArg["role"];
  typed: string;
}

export type StepsFromView = ReadyMessage | StepsEditRequest | StepsOpenLines | StepsRunSample | StepsComplete;
