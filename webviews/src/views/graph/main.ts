/**
 * Graph view: the registry graph as four columns (inbound → router → handler → outbound) in plain SVG.
 * Click or Enter on a node asks the host to open its declaration.
 */
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "../../ui/base.css";
import "./graph.css";
import type { Problem, RegistryGraph } from "messagefoundry/graph";
import {
  COLUMN_HEADER_Y,
  COLUMN_TITLES,
  columnX,
  layoutGraph,
  NODE_HEIGHT,
  NODE_WIDTH,
  type PlacedNode,
} from "../../model/graph-layout.js";
import type { GraphFromView, GraphToView } from "../../protocol/graph.js";
import { h, replaceChildren } from "../../ui/dom.js";
import { connectHost } from "../../ui/host.js";

interface State {
  graph?: RegistryGraph;
  problems: Problem[];
}

const SVG = "http://www.w3.org/2000/svg";
const host = connectHost<GraphToView, GraphFromView, State>();
const state: State = host.getState() ?? { problems: [] };

const refresh = h("vscode-button", { id: "refresh", secondary: true }, "Refresh");
const summary = h("span", { id: "summary", class: "muted", "aria-live": "polite" });
const notices = h("div", { id: "notices" });
const canvas = h("div", { id: "canvas" });
document.body.append(h("div", { class: "toolbar" }, refresh, summary), notices, canvas);
refresh.addEventListener("click", () => host.post({ type: "refresh" }));

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function problemsFor(p: PlacedNode): Problem[] {
  const loc = p.node.location;
  return state.problems.filter((pr) => pr.location.file === loc.file && pr.location.line === loc.line);
}

function nodeGroup(p: PlacedNode): SVGGElement {
  const problems = problemsFor(p);
  const severity = problems.some((x) => x.severity === "error")
    ? " has-error"
    : problems.length > 0
      ? " has-warning"
      : "";
  const g = svg("g", {
    class: `node kind-${p.node.kind}${severity}`,
    transform: `translate(${p.x},${p.y})`,
    tabindex: 0,
    role: "button",
    "data-name": p.node.name,
    "data-kind": p.node.kind,
    "aria-label": `${p.node.kind} ${p.node.name}${problems.length ? `, ${problems.length} problem(s)` : ""}; open declaration${p.node.kind === "router" || p.node.kind === "handler" ? " (S: open as Steps)" : ""}`,
  });
  g.append(svg("rect", { width: NODE_WIDTH, height: NODE_HEIGHT, rx: 4 }));
  const label = svg("text", { x: 10, y: 15, class: "label" });
  label.textContent = p.node.name;
  const sub = svg("text", { x: 10, y: 29, class: "sub" });
  sub.textContent = [p.node.transport, p.node.origin === "toml" ? "connections.toml" : p.node.location.file]
    .filter(Boolean)
    .join(" · ");
  const title = svg("title", {});
  title.textContent =
    problems.map((x) => `${x.code}: ${x.message}`).join("\n") || `${p.node.kind} ${p.node.name}`;
  g.append(label, sub, title);
  const open = () => host.post({ type: "openLocation", location: p.node.location });
  g.addEventListener("click", open);
  const kind = p.node.kind;
  const steps =
    kind === "router" || kind === "handler"
      ? () => host.post({ type: "openSteps", kind, name: p.node.name, location: p.node.location })
      : undefined;
  g.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      open();
    } else if (steps && (e.key === "s" || e.key === "S")) {
      e.preventDefault();
      steps();
    }
  });
  if (steps) {
    g.addEventListener("contextmenu", (e) => {
      e.preventDefault();
      steps();
    });
    const link = svg("text", { x: NODE_WIDTH - 40, y: 29, class: "steps-link", role: "button" });
    link.textContent = "Steps";
    link.addEventListener("click", (e) => {
      e.stopPropagation();
      steps();
    });
    g.append(link);
  }
  return g;
}

function render(): void {
  const graph = state.graph;
  if (!graph) {
    replaceChildren(canvas, h("p", { class: "muted" }, "Waiting for the graph from the language server…"));
    return;
  }
  const layout = layoutGraph(graph);
  const root = svg("svg", {
    width: layout.width,
    height: layout.height,
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    role: "group",
    "aria-label": "Registry graph",
  });
  COLUMN_TITLES.forEach((t, c) => {
    const text = svg("text", { x: columnX(c), y: COLUMN_HEADER_Y, class: "column-title" });
    text.textContent = t;
    root.append(text);
  });
  for (const e of layout.edges) {
    const path = svg("path", {
      d: e.d,
      class: `edge${e.edge.dynamic ? " dynamic" : ""}${e.unresolved ? " unresolved" : ""}`,
      "data-from": e.edge.from,
      "data-to": e.edge.to ?? "",
    });
    const title = svg("title", {});
    title.textContent = `${e.edge.from} → ${e.edge.to ?? "(computed at run time)"}`;
    path.append(title);
    root.append(path);
  }
  for (const n of layout.nodes) root.append(nodeGroup(n));
  replaceChildren(canvas, root);
  const errors = state.problems.filter((p) => p.severity === "error").length;
  summary.textContent = `${graph.nodes.length} nodes, ${graph.edges.length} edges${errors ? `, ${errors} error(s)` : ""}`;
  replaceChildren(
    notices,
    ...state.problems.map((p) =>
      h(
        "div",
        { class: p.severity === "error" ? "notice" : "muted" },
        `${p.location.file}:${p.location.line} ${p.code}: ${p.message}`,
      ),
    ),
  );
}

host.listen((message) => {
  switch (message.type) {
    case "graph":
      state.graph = message.graph;
      state.problems = message.problems;
      host.setState(state);
      render();
      break;
    case "hostError":
      replaceChildren(notices, h("div", { class: "notice" }, message.message));
      break;
  }
});
render();
