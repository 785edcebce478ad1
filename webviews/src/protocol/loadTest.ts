/**
 * Load Test view: pick a profile and a target, run `messagefoundry load`, watch its progress events
 * drawn live, see the SLO verdict, open the HTML report. The events are the CLI's own JSON lines
 * (`LoadEvent` from `messagefoundry/api`), passed through by the host unchanged.
 */
import type { LoadEvent, LoadVerdict } from "messagefoundry/api";
import type { HostErrorMessage, ReadyMessage } from "./common.js";

/** A profile the view offers (the built-ins; a file path can be typed instead). */
export interface LoadProfileChoice {
  name: string;
  description: string;
  /** The profile fails the cluster's leader over mid-run (the form then asks for the command). */
  failover?: boolean;
}

/** What the form holds; remembered by the host per workspace. */
export interface LoadTestForm {
  /** A built-in's name or a profile file (relative to the config dir). */
  profile: string;
  /** host:port of the MLLP inbound. */
  target: string;
  /** Where the route under test delivers: `load` starts its sink there ("" for none). */
  sinkPort: string;
  /** Reconcile through the current engine's API (signed in). */
  useEngine: boolean;
  /**
   * A profile with a failover: the shell command that fails the leader over (`--failover-command`, e.g.
   * `systemctl kill -s KILL messagefoundry@a`); "" asks the engine to step down instead.
   */
  failoverCommand: string;
}

/** Host → view: the choices and the last form. */
export interface LoadTestInit {
  type: "init";
  profiles: LoadProfileChoice[];
  form: LoadTestForm;
  /** The engine `useEngine` reads (name and URL), absent when none is configured. */
  engine?: string;
}

/** Host → view: one progress event of the running CLI. */
export interface LoadTestEvent {
  type: "event";
  event: LoadEvent;
}

/** Host → view: the run ended: its verdict (absent when the CLI failed before judging) and exit code. */
export interface LoadTestFinished {
  type: "finished";
  exitCode: number;
  verdict?: LoadVerdict;
  /** The HTML report written, when there is one. */
  report?: string;
  /** The CLI's error output when it stopped without a verdict. */
  error?: string;
}

export type LoadTestToView = LoadTestInit | LoadTestEvent | LoadTestFinished | HostErrorMessage;

/** View → host: run with this form. */
export interface LoadTestRun {
  type: "run";
  form: LoadTestForm;
}

/** View → host: stop the running load (the CLI is killed; no verdict). */
export interface LoadTestStop {
  type: "stop";
}

/** View → host: open the last HTML report. */
export interface LoadTestOpenReport {
  type: "openReport";
}

export type LoadTestFromView = ReadyMessage | LoadTestRun | LoadTestStop | LoadTestOpenReport;
