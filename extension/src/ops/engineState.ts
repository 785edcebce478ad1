/**
 * What the MessageFoundry sidebar shows before there is an engine to show: the reachability state behind
 * the `messagefoundry.engineState` context key (package.json viewsWelcome picks its welcome by it), the
 * cheap poll that notices an engine coming up, and the edit that adds an engine target. Pure: no vscode.
 */
import { type EngineTarget, parseTargets } from "../engine/targets.js";

/** `none`: no target configured; `unreachable`: /health fails; `signedOut`: reachable, no token; `ready`. */
export type EngineState = "none" | "unreachable" | "signedOut" | "ready";

export const ENGINE_STATE_CONTEXT = "messagefoundry.engineState";

export function engineState(probe: { target: boolean; reachable: boolean; token: boolean }): EngineState {
  if (!probe.target) return "none";
  if (!probe.reachable) return "unreachable";
  return probe.token ? "ready" : "signedOut";
}

/** The trees list engine content only when ready; otherwise they stay empty so the welcome shows. */
export function showsEngineContent(state: EngineState): boolean {
  return state === "ready";
}

export const POLL = { firstMs: 2_000, maxMs: 60_000, steadyMs: 30_000 } as const;

/**
 * Next probe delay: an unreachable engine is probed soon (2 s), then less and less often (doubling up to
 * a minute); a reachable one every 30 s; no target needs no probe until the settings change.
 */
export function nextPollMs(
  state: EngineState,
  previous: EngineState | undefined,
  previousMs: number | undefined,
): number | undefined {
  if (state === "none") return undefined;
  if (state !== "unreachable") return POLL.steadyMs;
  return previous === "unreachable" && previousMs !== undefined
    ? Math.min(previousMs * 2, POLL.maxMs)
    : POLL.firstMs;
}

/** The views reload on any change of state (the engine came up, went away, the user signed in). */
export function viewsNeedRefresh(previous: EngineState | undefined, next: EngineState): boolean {
  return previous !== next;
}

/**
 * The `messagefoundry.engines` value with `target` added (or an error saying why not). The setting's
 * default (one local engine) counts as present when the user has not set it.
 */
export function addTarget(
  setting: unknown,
  target: EngineTarget,
): { value: EngineTarget[] } | { error: string } {
  const current = parseTargets(setting);
  if (current.problems.length > 0) return { error: `Fix the setting first: ${current.problems[0]}` };
  const next = [...current.targets, target];
  const checked = parseTargets(next);
  if (checked.problems.length > 0)
    return { error: checked.problems[0]!.replace(/^messagefoundry\.engines\[\d+\]\./, "") };
  return { value: checked.targets };
}
