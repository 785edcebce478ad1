/**
 * Results of running messages through the per-message steps (steps.ts) outside the live pipeline: per
 * message as `messagefoundry dryrun --json` prints it, the fixture file (tests/<case>.json) that pins
 * one, and per fixture as `check --json` prints it. Pure types, published in `messagefoundry/api` so the
 * Test Bench reads and writes the shapes the CLI does.
 */
import type { Problem } from "../graph/types.js";
import type { FinalDisposition } from "../store/types.js";

/** Where a message failed on its way through the steps. */
export type StepStage = "parse" | "route" | "transform";

export interface StepError {
  stage: StepStage;
  message: string;
}

/** One Send a handler produced. */
export interface DryRunDelivery {
  handler: string;
  outbound: string;
  bytes: number;
  sha256: string;
  /** The payload as text; only with `--show-phi`. */
  payload?: string;
}

/** One handler that saw the message. */
export interface DryRunHandler {
  name: string;
  disposition: Exclude<FinalDisposition, "UNROUTED">;
  error?: string;
}

/** One message of the run (a file may hold a batch of several). */
export interface DryRunResult {
  /** Label of the input (file path as given). */
  source: string;
  /** 0-based index of the message within its file. */
  index: number;
  inbound: string;
  messageType?: string;
  controlId?: string;
  /** A dry-run always ends a message: never RECEIVED or ROUTED. */
  disposition: FinalDisposition;
  router?: string;
  handlers: DryRunHandler[];
  deliveries: DryRunDelivery[];
  error?: StepError;
  /** Only with `--trace`: the router, then each handler it chose, in order. */
  trace?: TraceStep[];
}

/** The whole `dryrun --json` document. */
export interface DryRunOutput {
  /** The environment the config was loaded with. */
  env: string | null;
  inbound: string;
  results: DryRunResult[];
}

/**
 * `dryrun --every-inbound --json`: the same messages through each inbound's router and handlers, in the
 * registry's order — which inbound takes a message, answered by one process (the Test Bench's pick).
 */
export interface DryRunEveryOutput {
  env: string | null;
  runs: { inbound: string; results: DryRunResult[] }[];
}

/**
 * A regression fixture, tests/<case>.json: the inbound, the message file and what must come out. Paths
 * are relative to the fixture file; `disposition` is compared as written.
 */
export interface FixtureSpec {
  inbound: string;
  message: string;
  expect: {
    disposition: string;
    deliveries?: { outbound: string; payload?: string }[];
  };
}

/** The whole `check --json` document. */
export interface CheckOutput {
  env: string | null;
  /** No error-severity problem (validation, type-check or a failed fixture). */
  ok: boolean;
  problems: Problem[];
  /** `file` is config-relative; `failures` one line each. */
  fixtures: { file: string; passed: boolean; failures: string[] }[];
}

/**
 * One field the traced code read with `msg.get` / `msg.getAll`. `value` only with `--show-phi`
 * (`getAll` values are joined with "~"); absent is `null`.
 */
export interface TraceRead extends TraceSite {
  path: string;
  value?: string | null;
}

/**
 * Where the user's code made a traced read or write: its config-relative file and 1-based line (a
 * helper module's, when the call is there), so a Steps view can put each value beside its statement.
 * Absent when the call site could not be placed.
 */
export interface TraceSite {
  file?: string;
  line?: number;
}

/** One field the traced code wrote with `msg.set` / `msg.setRaw`; values only with `--show-phi`. */
export interface TraceWrite extends TraceSite {
  path: string;
  before?: string | null;
  after?: string | null;
}

/**
 * One send a traced handler returned. `file`/`line`: the user's `send(...)` call, when it was given the
 * message the handler received (captured as send encodes it); absent for other payloads.
 */
export interface TraceSend {
  outbound: string;
  file?: string;
  line?: number;
}

/**
 * One lookup through a code set in a traced step: which set, where the value came from — `table`, the
 * set's default row (`*`), the caller's `fallback`, the code itself, or `none` (`get` of an unmapped
 * code) — and, only with `--show-phi`, the code and the value it mapped to. `file`/`line`: the user's
 * call, when it could be placed.
 */
export interface TraceCodeSetLookup {
  codeSet: string;
  source: "table" | "default" | "fallback" | "code" | "none";
  defaultUsed: boolean;
  code?: string;
  value?: string | null;
  file?: string;
  line?: number;
}

/** What one step's function returned. */
export type TraceOutcome =
  | { kind: "handlers"; handlers: string[] }
  | { kind: "sends"; sends: TraceSend[] }
  | { kind: "nothing" }
  | { kind: "error"; message: string };

/**
 * One step of a traced dry run (`dryrun --json --trace`): the router or a handler, where its function is
 * declared (config-relative file, 1-based line), the fields it read and wrote in order, and its result.
 * Fields are seen through an HL7 message's `get`/`getAll`/`set`/`setRaw` and its `messageType` (MSH-9),
 * `controlId` (MSH-10) and `version` (MSH-12.1) getters; access through `segments()` and a non-HL7
 * payload's body is not itemised.
 */
export interface TraceStep {
  step: "router" | "handler";
  name: string;
  file: string;
  line: number;
  reads: TraceRead[];
  writes: TraceWrite[];
  /** Code set lookups in call order; present only when the step made any. */
  codeSets?: TraceCodeSetLookup[];
  result: TraceOutcome;
}
