/**
 * Tee compare view: the report of `messagefoundry tee compare` — summary, the most frequent differing
 * paths, and the pairs (filtered: not identical by default) each with its HL7 diff, legacy → shadow.
 * The user can compare again with more ignore rules or another pairing, and save the HTML report.
 */
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-textfield/index.js";
import "../../ui/base.css";
import "../testBench/testBench.css";
import "./teeCompare.css";
import type { TeeComparePair, TeeCompareReport } from "messagefoundry/api";
import {
  extraIgnoreRules,
  filterCounts,
  filterPairs,
  PAIR_FILTERS,
  type PairFilter,
  pairLabel,
  parseIgnoreInput,
  parsePairBy,
} from "../../model/tee-compare.js";
import type { TeeCompareFromView, TeeCompareToView } from "../../protocol/teeCompare.js";
import { h, replaceChildren } from "../../ui/dom.js";
import { connectHost } from "../../ui/host.js";
import { renderMessageDiff } from "../testBench/diff-view.js";

interface State {
  report?: TeeCompareReport;
  filter: PairFilter;
}

const host = connectHost<TeeCompareToView, TeeCompareFromView, State>();
const state: State = host.getState() ?? { filter: "problems" };

const sources = h("div", { id: "sources", class: "muted" });
const cards = h("div", { id: "summary", class: "cards", role: "status", "aria-live": "polite" });
const ignoreBox = h("vscode-textfield", {
  id: "ignore",
  placeholder: "More ignore rules: PID-3.4, OBX-14",
  "aria-label": "Ignore rules beyond MSH-7 and MSH-10 (field paths)",
});
const pairByBox = h("vscode-textfield", {
  id: "pair-by",
  placeholder: "MSH-10",
  "aria-label": "Pair messages by this field, or order",
});
const compareButton = h("vscode-button", { id: "compare" }, "Compare again");
const saveButton = h("vscode-button", { id: "save-html", secondary: true }, "Save HTML report…");
const status = h("div", { id: "status", "aria-live": "polite" });
const filters = h("div", { id: "filters", class: "toolbar", role: "group", "aria-label": "Show pairs" });
const topPaths = h("section", { id: "top-paths" });
const pairs = h("section", { id: "pairs" });
document.body.append(
  h("p", { class: "muted banner" }, "Test/synthetic data only: this report shows message content."),
  sources,
  cards,
  h("div", { class: "toolbar" }, ignoreBox, pairByBox, compareButton, saveButton),
  status,
  filters,
  topPaths,
  pairs,
);

compareButton.addEventListener("click", () => {
  const ignore = parseIgnoreInput(ignoreBox.value ?? "");
  const pairBy = parsePairBy(pairByBox.value ?? "");
  const errors = [...ignore.errors, ...(pairBy.error ? [pairBy.error] : [])];
  if (errors.length > 0) {
    replaceChildren(status, ...errors.map((e) => h("div", { class: "notice" }, e)));
    return;
  }
  host.post({ type: "compare", ignore: ignore.rules, pairBy: pairBy.pairBy });
});
saveButton.addEventListener("click", () => host.post({ type: "saveHtml" }));

function card(id: string, label: string, n: number): HTMLElement {
  return h("div", { class: `card ${id}`, "data-card": id }, h("b", {}, String(n)), label);
}

function pairView(p: TeeComparePair): HTMLElement {
  const body: HTMLElement[] = [];
  if (p.diff) {
    body.push(
      renderMessageDiff(p.diff, { before: "Legacy", after: "Shadow", none: "Identical.", components: true }),
    );
  } else if (p.status !== "identical") {
    const side = p.legacy !== undefined ? "Legacy" : "Shadow";
    body.push(
      h("div", { class: "muted" }, `Only the ${side.toLowerCase()} destination received it:`),
      h("pre", { class: "mono message" }, (p.legacy ?? p.shadow ?? "").replace(/\r\n?/g, "\n")),
    );
  }
  return h(
    "details",
    {
      class: `pair status-${p.status}`,
      "data-key": p.key,
      "data-status": p.status,
      open: p.status !== "identical",
    },
    h("summary", {}, h("span", { class: "status" }, p.status), " ", pairLabel(p)),
    ...body,
  );
}

function render(): void {
  const r = state.report;
  if (!r) {
    replaceChildren(pairs, h("p", { class: "muted" }, "Waiting for the comparison…"));
    return;
  }
  replaceChildren(
    sources,
    h("div", {}, "Legacy: ", h("span", { class: "mono" }, r.legacySource)),
    h("div", {}, "Shadow: ", h("span", { class: "mono" }, r.shadowSource)),
    h("div", {}, `Paired by ${r.pairBy}; ignored: ${r.ignore.join(", ") || "nothing"}`),
  );
  const s = r.summary;
  replaceChildren(
    cards,
    card("pairs", "pairs", s.pairs),
    card("identical", "identical", s.identical),
    card("differing", "differing", s.differing),
    card("missing-shadow", "missing in shadow", s.missingShadow),
    card("missing-legacy", "missing in legacy", s.missingLegacy),
  );
  const counts = filterCounts(r);
  replaceChildren(
    filters,
    ...PAIR_FILTERS.map((f) => {
      const b = h(
        "vscode-button",
        {
          class: "filter",
          "data-filter": f.id,
          secondary: f.id !== state.filter,
          "aria-pressed": String(f.id === state.filter),
        },
        `${f.label} (${counts[f.id]})`,
      );
      b.addEventListener("click", () => {
        state.filter = f.id;
        host.setState(state);
        render();
      });
      return b;
    }),
  );
  replaceChildren(
    topPaths,
    ...(s.topPaths.length
      ? [
          h("h2", {}, "Differing paths"),
          h(
            "ul",
            { class: "paths" },
            ...s.topPaths.map((t) =>
              h("li", {}, h("span", { class: "mono" }, t.path), ` in ${t.count} pair(s)`),
            ),
          ),
        ]
      : []),
    ...r.problems.map((p) => h("div", { class: "notice" }, p)),
  );
  const shown = filterPairs(r, state.filter);
  replaceChildren(
    pairs,
    ...(shown.length ? shown.map(pairView) : [h("p", { class: "muted" }, "No pairs here.")]),
  );
}

host.listen((message) => {
  switch (message.type) {
    case "report":
      state.report = message.report;
      host.setState(state);
      ignoreBox.value = extraIgnoreRules(message.report).join(", ");
      pairByBox.value = message.report.pairBy;
      replaceChildren(status);
      render();
      break;
    case "running":
      replaceChildren(status, h("div", { class: "muted" }, "Comparing…"));
      break;
    case "hostError":
      replaceChildren(status, h("div", { class: "notice" }, message.message));
      break;
  }
});
if (state.report) {
  ignoreBox.value = extraIgnoreRules(state.report).join(", ");
  pairByBox.value = state.report.pairBy;
}
render();
