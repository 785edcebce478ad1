/**
 * What the per-message steps (steps.ts) produce, as the dry-run reports it: the JSON printed by
 * `messagefoundry dryrun --json` and replayed by `check`. Pure types, published in `messagefoundry/api`
 * so the Test Bench reads the same shape the CLI writes.
 */
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
}

/** The whole `dryrun --json` document. */
export interface DryRunOutput {
  /** The environment the config was loaded with. */
  env: string | null;
  inbound: string;
  results: DryRunResult[];
}
