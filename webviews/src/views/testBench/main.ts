/**
 * Test Bench: pick a sample, edit it in monaco, dry-run it through the graph (the host runs
 * `messagefoundry dryrun --json --show-phi --trace`), and see per message the disposition, why it was
 * UNROUTED / FILTERED (from the trace), handlers and each delivery as an HL7-aware before/after diff.
 * Save a case as a fixture; re-run all fixtures.
 * View state keeps no message bodies (only ids and outcomes): webview state is persisted by VS Code.
 */
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-option/index.js";
import "@vscode-elements/elements/dist/vscode-single-select/index.js";
import "../../ui/base.css";
import "./testBench.css";
import {
  type DryRunDelivery,
  type DryRunOutput,
  type DryRunResult,
  isMessageType,
  MESSAGE_TYPES,
} from "messagefoundry/api";
import { inputMessage, payloadView } from "../../model/payload-view.js";
import { codeSetMappings, explainResult } from "../../model/trace-explain.js";
import type {
  FixtureOutcome,
  TestBenchFromView,
  TestBenchToView,
  TestCase,
} from "../../protocol/testBench.js";
import { h, replaceChildren } from "../../ui/dom.js";
import { connectHost } from "../../ui/host.js";
import { renderDiff } from "./diff-view.js";
import { createSampleEditor } from "./editor.js";

interface State {
  selectedId?: string;
  inbound?: string;
  outcomes?: FixtureOutcome[];
}

const host = connectHost<TestBenchToView, TestBenchFromView, State>();
const state: State = host.getState() ?? {};
let cases: TestCase[] = [];
let inbounds: string[] = [];
let last: { id: string; text: string; output: DryRunOutput } | undefined;
let running = false;

const caseList = h("ul", { id: "cases", class: "cases", "aria-label": "Test cases" });
const pick = h("vscode-button", { id: "pick-files", secondary: true }, "Add message files…");
const genType = h("vscode-single-select", { id: "generate-type", "aria-label": "Message type to generate" });
genType.append(...MESSAGE_TYPES.map((t) => h("vscode-option", { value: t }, t)));
const generate = h("vscode-button", { id: "generate", secondary: true }, "Generate");
const runAll = h("vscode-button", { id: "run-all" }, "Re-run all fixtures");
const outcomes = h("div", { id: "outcomes", "aria-live": "polite" });

const caseTitle = h("span", { id: "case-title", class: "title" }, "No case selected");
const inboundSelect = h("vscode-single-select", {
  id: "inbound",
  "aria-label": "Inbound the message arrives on",
});
const run = h("vscode-button", { id: "run", disabled: true }, "Run");
const saveFixture = h(
  "vscode-button",
  { id: "save-fixture", secondary: true, disabled: true },
  "Save as fixture",
);
const status = h("span", { id: "status", class: "muted", role: "status" });
const editorHost = h("div", { id: "editor", class: "editor" });
const results = h("section", { id: "results", "aria-label": "Dry-run results" });

document.body.append(
  h(
    "div",
    { class: "layout" },
    h(
      "aside",
      { class: "side" },
      h("h2", {}, "Cases"),
      caseList,
      h("div", { class: "toolbar" }, pick),
      h("div", { class: "toolbar" }, genType, generate),
      h("h2", {}, "Fixtures"),
      h("div", { class: "toolbar" }, runAll),
      outcomes,
    ),
    h(
      "main",
      { class: "main" },
      h("div", { class: "toolbar" }, caseTitle, inboundSelect, run, saveFixture, status),
      editorHost,
      results,
    ),
  ),
);

const editor = createSampleEditor(editorHost);

function save(): void {
  host.setState(state);
}

function renderCases(): void {
  replaceChildren(
    caseList,
    ...cases.map((c) =>
      h(
        "li",
        {},
        h(
          "button",
          {
            class: `case${c.id === state.selectedId ? " current" : ""}`,
            "data-id": c.id,
            "aria-current": c.id === state.selectedId ? "true" : undefined,
            onclick: () => openCase(c.id),
          },
          h("span", { class: "kind" }, c.kind === "fixture" ? "fixture" : "sample"),
          " ",
          c.label,
        ),
      ),
    ),
  );
  const current = cases.find((c) => c.id === state.selectedId);
  caseTitle.textContent = current ? current.label : "No case selected";
  run.toggleAttribute("disabled", !current || running);
}

/** The inbound names the picker's options were drawn from. */
let drawnInbounds = "";

function renderInbounds(): void {
  // Options are redrawn only when the list changed: <vscode-single-select> re-reads its options after a
  // slot change and falls back to the first, which undid the user's pick whenever the cases were re-sent.
  const names = inbounds.join("\n");
  const redrawn = names !== drawnInbounds;
  if (redrawn) {
    drawnInbounds = names;
    replaceChildren(inboundSelect, ...inbounds.map((i) => h("vscode-option", { value: i }, i)));
  }
  inboundSelect.classList.toggle("hidden", inbounds.length < 2);
  const wanted = state.inbound && inbounds.includes(state.inbound) ? state.inbound : inbounds[0];
  if (!wanted) return;
  inboundSelect.value = wanted;
  // After a redraw the element settles its options on a later task: choose again once it has.
  if (redrawn)
    setTimeout(() => {
      if (inboundSelect.value !== wanted && inbounds.includes(wanted)) inboundSelect.value = wanted;
    });
}

function openCase(id: string): void {
  state.selectedId = id;
  save();
  last = undefined;
  replaceChildren(results);
  saveFixture.toggleAttribute("disabled", true);
  renderCases();
  host.post({ type: "openCase", id });
}

function renderDelivery(d: DryRunDelivery, before: string): HTMLElement {
  const title = h("h4", {}, `${d.handler} → ${d.outbound}`);
  if (d.payload === undefined) {
    return h(
      "div",
      { class: "delivery" },
      title,
      h("p", { class: "muted" }, `${d.bytes} bytes, sha256 ${d.sha256.slice(0, 12)}… (payload not shown)`),
    );
  }
  const view = payloadView(d.payload);
  const body =
    view.kind === "hl7"
      ? renderDiff(before, d.payload)
      : h("div", {}, h("p", { class: "muted" }, view.label), h("pre", { class: "mono payload" }, view.text));
  return h("div", { class: "delivery", "data-outbound": d.outbound }, title, body);
}

/** Why an UNROUTED / FILTERED message stopped: the step, a link to its line, and the fields it read. */
function renderWhy(r: DryRunResult): HTMLElement | null {
  const why = explainResult(r);
  if (why.length === 0) return null;
  return h(
    "div",
    { class: "why" },
    ...why.map((e) =>
      h(
        "p",
        { class: "why-step", "data-step": e.step, "data-name": e.name },
        e.text,
        " ",
        h(
          "button",
          {
            class: "link",
            title: `Open ${e.file} at line ${e.line}`,
            onclick: () => host.post({ type: "openSource", file: e.file, line: e.line }),
          },
          "Open",
        ),
        e.reads.length > 0 ? h("span", { class: "muted" }, ` It read ${e.reads.join(", ")}.`) : null,
      ),
    ),
  );
}

/** Which code set mapped which value (from the trace), each with a link to the lookup's line. */
function renderCodeSets(r: DryRunResult): HTMLElement | null {
  const mappings = codeSetMappings(r);
  if (mappings.length === 0) return null;
  return h(
    "div",
    { class: "codesets" },
    h("h4", {}, "Code sets"),
    ...mappings.map((m) =>
      h(
        "p",
        { class: `codeset-mapping${m.defaultUsed ? " default-used" : ""}`, "data-codeset": m.codeSet },
        h("span", { class: "mono" }, m.codeSet),
        `: ${m.text}${m.count > 1 ? ` ×${m.count}` : ""}`,
        h("span", { class: "muted" }, ` in ${m.step} `),
        m.file !== undefined && m.line !== undefined
          ? h(
              "button",
              {
                class: "link",
                title: `Open ${m.file} at line ${m.line}`,
                onclick: () => host.post({ type: "openSource", file: m.file ?? "", line: m.line ?? 1 }),
              },
              `${m.file}:${m.line}`,
            )
          : null,
      ),
    ),
  );
}

function renderMessage(r: DryRunResult, text: string): HTMLElement {
  const before = inputMessage(text, r.index);
  return h(
    "article",
    { class: `message disposition-${r.disposition.toLowerCase()}`, "data-index": r.index },
    h(
      "h3",
      {},
      h("span", { class: `disposition ${r.disposition.toLowerCase()}` }, r.disposition),
      ` Message ${r.index + 1}`,
      r.messageType ? ` · ${r.messageType}` : "",
      r.controlId ? ` · ${r.controlId}` : "",
      ` · via ${r.inbound}${r.router ? ` → ${r.router}` : ""}`,
    ),
    r.error ? h("div", { class: "notice" }, `${r.error.stage}: ${r.error.message}`) : null,
    renderWhy(r),
    renderCodeSets(r),
    r.handlers.length
      ? h(
          "ul",
          { class: "handlers" },
          ...r.handlers.map((x) =>
            h(
              "li",
              {},
              h("span", { class: "mono" }, x.name),
              ` ${x.disposition}`,
              x.error ? h("span", { class: "error-text" }, ` — ${x.error}`) : null,
            ),
          ),
        )
      : h("p", { class: "muted" }, "No handler ran."),
    ...r.deliveries.map((d) => renderDelivery(d, before)),
  );
}

function renderResults(): void {
  if (!last) {
    replaceChildren(results);
    return;
  }
  const { output, text } = last;
  const counts = new Map<string, number>();
  for (const r of output.results) counts.set(r.disposition, (counts.get(r.disposition) ?? 0) + 1);
  replaceChildren(
    results,
    h(
      "p",
      { id: "run-summary", class: "muted" },
      `${output.results.length} message(s): ${[...counts].map(([d, n]) => `${n} ${d}`).join(", ")}`,
    ),
    ...output.results.map((r) => renderMessage(r, text)),
  );
}

function renderOutcomes(): void {
  const list = state.outcomes;
  if (!list) {
    replaceChildren(outcomes);
    return;
  }
  const passed = list.filter((o) => o.passed).length;
  replaceChildren(
    outcomes,
    h(
      "p",
      { id: "outcome-summary", class: passed === list.length ? "pass" : "fail" },
      `${passed} of ${list.length} passed`,
    ),
    h(
      "ul",
      { class: "outcomes" },
      ...list.map((o) =>
        h(
          "li",
          { class: o.passed ? "pass" : "fail" },
          h("span", { class: "mark", "aria-hidden": "true" }, o.passed ? "✓" : "✗"),
          ` ${o.label}`,
          o.passed
            ? null
            : h("ul", { class: "failures" }, ...o.failures.map((f) => h("li", { class: "muted" }, f))),
        ),
      ),
    ),
  );
}

function setRunning(value: boolean): void {
  running = value;
  run.toggleAttribute("disabled", value || !state.selectedId);
  status.textContent = value ? "Running…" : status.textContent;
}

pick.addEventListener("click", () => host.post({ type: "pickFiles" }));
generate.addEventListener("click", () => {
  const messageType = genType.value;
  if (isMessageType(messageType)) host.post({ type: "generate", messageType });
});
runAll.addEventListener("click", () => {
  status.textContent = "Running all fixtures…";
  host.post({ type: "runAllFixtures" });
});
inboundSelect.addEventListener("change", () => {
  state.inbound = inboundSelect.value;
  save();
});
run.addEventListener("click", () => {
  const id = state.selectedId;
  if (!id || running) return;
  const inbound = inbounds.length > 1 ? inboundSelect.value : undefined;
  host.post(
    inbound
      ? { type: "run", id, text: editor.getText(), inbound }
      : { type: "run", id, text: editor.getText() },
  );
});
saveFixture.addEventListener("click", () => {
  if (!last) return;
  const label = cases.find((c) => c.id === last?.id)?.label ?? "case";
  const name = (label.split("/").pop() ?? "case").replace(/\.[^.]*$/, "");
  host.post({ type: "saveFixture", id: last.id, text: last.text, name, output: last.output });
});
editor.onChange(() => {
  // The result belongs to the text that was run; an edit makes it stale.
  if (last && editor.getText() !== last.text) saveFixture.toggleAttribute("disabled", true);
});

host.listen((message) => {
  switch (message.type) {
    case "cases":
      cases = message.cases;
      inbounds = message.inbounds;
      renderCases();
      renderInbounds();
      if (state.selectedId && cases.some((c) => c.id === state.selectedId))
        host.post({ type: "openCase", id: state.selectedId });
      break;
    case "select":
      if (message.inbound && inbounds.includes(message.inbound)) {
        state.inbound = message.inbound;
        inboundSelect.value = message.inbound;
      }
      openCase(message.id);
      break;
    case "caseText":
      if (message.id !== state.selectedId) {
        state.selectedId = message.id;
        save();
        renderCases();
      }
      editor.setText(message.text);
      status.textContent = "";
      break;
    case "runStarted":
      setRunning(true);
      break;
    case "runResult":
      setRunning(false);
      last = { id: message.id, text: message.text, output: message.output };
      status.textContent = "Done.";
      saveFixture.toggleAttribute("disabled", false);
      renderResults();
      break;
    case "runFailed":
      setRunning(false);
      status.textContent = "";
      replaceChildren(results, h("div", { class: "notice" }, message.message));
      break;
    case "fixtureSaved":
      if (!cases.some((c) => c.id === message.fixture.id)) cases = [...cases, message.fixture];
      renderCases();
      status.textContent = `Saved fixture ${message.fixture.label}.`;
      break;
    case "fixtureResults":
      state.outcomes = message.outcomes;
      save();
      status.textContent = "";
      renderOutcomes();
      break;
    case "hostError":
      status.textContent = "";
      replaceChildren(results, h("div", { class: "notice" }, message.message));
      break;
  }
});
renderCases();
renderOutcomes();
