/**
 * Test Bench view: pick sample messages, dry-run them through the graph (`messagefoundry dryrun --json`),
 * see per message the disposition, handlers and deliveries with an HL7-aware before/after diff, save a case
 * as a regression fixture and re-run all fixtures. The run's result is the engine's `DryRunOutput`
 * (`messagefoundry/api`), passed through by the host unchanged; `generate` takes one of its MESSAGE_TYPES.
 */
import type { CheckOutput, DryRunOutput, MessageTypeName } from "messagefoundry/api";
import type { HostErrorMessage, ReadyMessage } from "./common.js";

/** A sample or fixture file the bench knows about. */
export interface TestCase {
  /** Stable id: the file's URI string. */
  id: string;
  /** Display name, e.g. `samples/adt_a01.hl7`. */
  label: string;
  /** `sample`: an .hl7 file; `fixture`: a saved regression case under the config's tests/. */
  kind: "sample" | "fixture";
}

/**
 * One fixture's outcome when re-running them all: an entry of `check --json`'s `fixtures` (`passed`, and
 * `failures` one line each), named by its case id (URI string) and label instead of its file.
 */
export type FixtureOutcome = Omit<CheckOutput["fixtures"][number], "file"> & { id: string; label: string };

/** Host → view: the full list of cases (after `ready` and whenever files change) and the inbounds. */
export interface TestBenchCases {
  type: "cases";
  cases: TestCase[];
  /** Inbound names of the config (for the "arrives on" picker). */
  inbounds: string[];
}

/** Host → view: the text of a case (reply to `openCase`, or after `generate`). */
export interface TestBenchCaseText {
  type: "caseText";
  id: string;
  text: string;
}

/**
 * Host → view: select this case (the bench was opened on its file) and, when the engine found one, the
 * inbound whose router accepts its message. The user can change both afterwards.
 */
export interface TestBenchSelect {
  type: "select";
  id: string;
  inbound?: string;
}

/** Host → view: a dry run started (the view shows progress and disables Run). */
export interface TestBenchRunStarted {
  type: "runStarted";
  id: string;
}

/** Host → view: the dry run finished. The view diffs each delivery's payload against the text it sent. */
export interface TestBenchRunResult {
  type: "runResult";
  id: string;
  /** The text that was run (the editor content at the time of `run`). */
  text: string;
  output: DryRunOutput;
}

/** Host → view: the dry run could not be performed at all (CLI missing, config does not load...). */
export interface TestBenchRunFailed {
  type: "runFailed";
  id: string;
  message: string;
}

/** Host → view: the case was saved as a fixture at this path. */
export interface TestBenchFixtureSaved {
  type: "fixtureSaved";
  id: string;
  fixture: TestCase;
}

/** Host → view: outcome of re-running every fixture. */
export interface TestBenchFixtureResults {
  type: "fixtureResults";
  outcomes: FixtureOutcome[];
}

export type TestBenchToView =
  | TestBenchCases
  | TestBenchCaseText
  | TestBenchSelect
  | TestBenchRunStarted
  | TestBenchRunResult
  | TestBenchRunFailed
  | TestBenchFixtureSaved
  | TestBenchFixtureResults
  | HostErrorMessage;

/** View → host: load this case's text (reply: `caseText`). */
export interface TestBenchOpenCase {
  type: "openCase";
  id: string;
}

/** View → host: show a file picker for .hl7 files and add them as cases (reply: `cases`). */
export interface TestBenchPickFiles {
  type: "pickFiles";
}

/** View → host: generate a synthetic message of this type as a new case (reply: `cases` + `caseText`). */
export interface TestBenchGenerate {
  type: "generate";
  messageType: MessageTypeName;
}

/** View → host: dry-run this text (the editor content, possibly edited) as case `id`. */
export interface TestBenchRun {
  type: "run";
  id: string;
  text: string;
  /** The inbound to simulate; absent when the config has only one. */
  inbound?: string;
}

/**
 * View → host: save this text and its last result as a regression fixture under tests/ (the message file,
 * the expected payloads and tests/<name>.json for `messagefoundry check`).
 */
export interface TestBenchSaveFixture {
  type: "saveFixture";
  id: string;
  text: string;
  /** Suggested fixture name (file stem); the host may ask the user to confirm. */
  name: string;
  /** The result being frozen as the expectation (the last `runResult` for this text). */
  output: DryRunOutput;
}

/** View → host: open a config source file (config-relative, from a trace step) at a 1-based line. */
export interface TestBenchOpenSource {
  type: "openSource";
  file: string;
  line: number;
}

/** View → host: re-run every fixture (reply: `fixtureResults`). */
export interface TestBenchRunAllFixtures {
  type: "runAllFixtures";
}

export type TestBenchFromView =
  | ReadyMessage
  | TestBenchOpenCase
  | TestBenchPickFiles
  | TestBenchGenerate
  | TestBenchRun
  | TestBenchSaveFixture
  | TestBenchOpenSource
  | TestBenchRunAllFixtures;
