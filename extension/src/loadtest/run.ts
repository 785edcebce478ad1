/**
 * The Load Test panel's plain logic (no vscode): the `messagefoundry load` arguments for a form, the
 * form's checks, the progress events read from the CLI's JSON lines, and how long a run may take.
 */
import type { LoadTestForm } from "@messagefoundry/webviews/protocol";
import { BUILT_IN_PROFILES, type LoadEvent } from "messagefoundry/api";

/** A run with no known length (a profile file) may take this long before it is stopped. */
const UNKNOWN_RUN_MS = 24 * 3600 * 1000;
/** Beyond the phases: connecting, draining and settling. */
const SLACK_MS = 10 * 60 * 1000;

export const DEFAULT_FORM: LoadTestForm = {
  profile: "smoke",
  target: "127.0.0.1:2600",
  sinkPort: "",
  useEngine: true,
  failoverCommand: "",
};

/** Whether a built-in profile fails the leader over (its form asks how). */
export const hasFailover = (profile: string): boolean => BUILT_IN_PROFILES[profile]?.failover !== undefined;

/** What is wrong with the form, or undefined. */
export function formProblem(form: LoadTestForm): string | undefined {
  if (!form.profile) return "Pick a profile or enter a profile file.";
  if (!/^.+:\d{1,5}$/.test(form.target)) return "The target is host:port, e.g. 127.0.0.1:2600.";
  if (form.sinkPort !== "" && !/^\d{1,5}$/.test(form.sinkPort))
    return "The sink port is a number (or empty for none).";
  if (hasFailover(form.profile) && form.failoverCommand.trim() === "" && !form.useEngine)
    return "A failover profile needs a failover command, or the engine to step its leader down (reconcile with the engine, signed in with a recent re-authentication).";
  return undefined;
}

/** `load` arguments; `api` is the engine's URL when the run reconciles with it (its token goes in the environment). */
export function loadArgs(form: LoadTestForm, out: { json: string; html: string }, api?: string): string[] {
  return [
    "load",
    "--profile",
    form.profile,
    "--target",
    form.target,
    ...(form.sinkPort ? ["--sink-port", form.sinkPort] : []),
    ...(api ? ["--api", api] : []),
    ...(hasFailover(form.profile) && form.failoverCommand.trim()
      ? ["--failover-command", form.failoverCommand.trim()]
      : []),
    "--json",
    out.json,
    "--html",
    out.html,
  ];
}

/** One progress event from a line of the CLI's stdout; undefined for anything else. */
export function parseLoadEvent(line: string): LoadEvent | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const e = JSON.parse(line) as { type?: unknown };
    return e.type === "start" || e.type === "sample" || e.type === "drain" || e.type === "done"
      ? (e as LoadEvent)
      : undefined;
  } catch {
    return undefined;
  }
}

/** How long the CLI may run: the built-in's phases plus slack, or a day for a profile file. */
export function runTimeoutMs(profile: string): number {
  const p = BUILT_IN_PROFILES[profile];
  if (!p) return UNKNOWN_RUN_MS;
  return p.phases.reduce((s, ph) => s + ph.seconds, 0) * 1000 + SLACK_MS;
}
