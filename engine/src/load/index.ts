/**
 * The load engine (`messagefoundry load`): profiles of phases (open and closed loop) over a generated
 * message mix, an HDR histogram, reconciliation against the engine's API and a sink, SLO gates with
 * baseline comparison, and a self-contained HTML report.
 */
export { type ChartSpec, chartColumns, LOAD_CHARTS } from "./charts.js";
export { EngineStats, EngineStatsError } from "./engine-stats.js";
export { Histogram } from "./histogram.js";
export {
  BUILT_IN_PROFILES,
  builtInProfile,
  PROFILE_NAMES,
  ProfileError,
  profileFromJson,
  validateProfile,
} from "./profiles.js";
export { renderReport } from "./report.js";
export { LoadRun, type LoadRunOptions } from "./run.js";
export { OpenSchedule, WeightedPick } from "./schedule.js";
export type * from "./types.js";
export {
  checkSlo,
  exitCodeOf,
  failoverCheck,
  LOAD_EXIT,
  lossFree,
  type Measures,
  measuresOf,
  regressions,
  verdictOf,
} from "./verdict.js";
