/**
 * The charts of a load run, as data: which sample fields each draws, with labels, units and colours.
 * The HTML report and the Load Test panel draw the same charts from this list (both with uPlot), so
 * a run looks the same live and afterwards. Pure: re-exported through `messagefoundry/api`.
 */
import type { LoadSample } from "./types.js";

export type SampleField = Exclude<keyof LoadSample, "t" | "phase">;

export interface ChartSeries {
  field: SampleField;
  label: string;
  color: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  series: ChartSeries[];
}

export const LOAD_CHARTS: readonly ChartSpec[] = [
  {
    id: "throughput",
    title: "Throughput",
    unit: "msg/s",
    series: [
      { field: "sent", label: "sent", color: "#4e79a7" },
      { field: "acked", label: "ACKed AA", color: "#59a14f" },
      { field: "delivered", label: "delivered to sink", color: "#f28e2b" },
    ],
  },
  {
    id: "ack",
    title: "ACK latency (from the scheduled send)",
    unit: "ms",
    series: [
      { field: "ackP50", label: "p50", color: "#76b7b2" },
      { field: "ackP99", label: "p99", color: "#e15759" },
    ],
  },
  {
    id: "e2e",
    title: "End-to-end latency (sink arrival − scheduled send)",
    unit: "ms",
    series: [
      { field: "e2eP50", label: "p50", color: "#76b7b2" },
      { field: "e2eP99", label: "p99", color: "#e15759" },
    ],
  },
  {
    id: "backlog",
    title: "Engine backlog (open rows, every stage)",
    unit: "rows",
    series: [{ field: "backlog", label: "backlog", color: "#b07aa1" }],
  },
  {
    id: "errors",
    title: "Errors (NAKs, timeouts, dropped connections; the engine's errored count)",
    unit: "per s",
    series: [
      { field: "errors", label: "errors at the sender", color: "#e15759" },
      { field: "engineErrors", label: "engine errored", color: "#9c755f" },
    ],
  },
];

/** uPlot's column data for one chart: x (seconds) first, then one column per series (null: no value). */
export function chartColumns(samples: readonly LoadSample[], spec: ChartSpec): (number | null)[][] {
  return [samples.map((s) => s.t), ...spec.series.map((c) => samples.map((s) => s[c.field]))];
}
