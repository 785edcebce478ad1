/**
 * Which inbounds a router's or handler's live values can come from: the inbounds bound to the router,
 * or to the routers that name the handler, in the graph (static edges only). Pure.
 */
import type { DryRunOutput } from "messagefoundry/api";
import type { RegistryGraph } from "messagefoundry/graph";

export function inboundsFeeding(graph: RegistryGraph, kind: "router" | "handler", name: string): string[] {
  const routers =
    kind === "router"
      ? new Set([name])
      : new Set(graph.edges.filter((e) => e.kind === "router-handler" && e.to === name).map((e) => e.from));
  const out = graph.edges
    .filter((e) => e.kind === "inbound-router" && e.to !== null && routers.has(e.to))
    .map((e) => e.from);
  return [...new Set(out)].sort();
}

/** Whether the function ran for the run's first message (its step is in the trace). */
export function ranIn(output: DryRunOutput | undefined, kind: "router" | "handler", name: string): boolean {
  return !!output?.results[0]?.trace?.some((s) => s.step === kind && s.name === name);
}
