/**
 * Load Test view: a form (profile, target, sink port, reconcile with the engine), Run / Stop, the
 * run's progress drawn live as the report's charts (uPlot, the same LOAD_CHARTS), the SLO verdict and
 * a button that opens the HTML report. Everything it shows comes from the CLI's events, relayed by the
 * host; the samples are kept in the view state so a revived view redraws them.
 */
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-checkbox/index.js";
import "@vscode-elements/elements/dist/vscode-option/index.js";
import "@vscode-elements/elements/dist/vscode-single-select/index.js";
import "@vscode-elements/elements/dist/vscode-textfield/index.js";
import "uplot/dist/uPlot.min.css";
import "../../ui/base.css";
import "./loadTest.css";
import {
  type ChartSpec,
  chartColumns,
  LOAD_CHARTS,
  type LoadSample,
  type LoadVerdict,
} from "messagefoundry/api";
import uPlot from "uplot";
import type {
  LoadProfileChoice,
  LoadTestForm,
  LoadTestFromView,
  LoadTestToView,
} from "../../protocol/loadTest.js";
import { h, replaceChildren } from "../../ui/dom.js";
import { connectHost } from "../../ui/host.js";

interface State {
  form?: LoadTestForm;
  samples: LoadSample[];
  verdict?: LoadVerdict;
  exitCode?: number;
  report?: string;
}

/** The select's value meaning "a profile file, typed below". */
const FILE = "__file__";

const host = connectHost<LoadTestToView, LoadTestFromView, State>();
const state: State = host.getState() ?? { samples: [] };
let running = false;
let profiles: LoadProfileChoice[] = [];
/** The select's choice (its own value settles only once its options have rendered). */
let chosen = "";

type Field = HTMLElement & { value: string };
type Check = HTMLElement & { checked: boolean };

const profileSelect = h("vscode-single-select", { id: "profile", "aria-label": "Profile" }) as Field;
const profileFile = h("vscode-textfield", {
  id: "profile-file",
  placeholder: "profiles/my-load.json",
  class: "hidden",
}) as Field;
const profileHelp = h("div", { id: "profile-help", class: "muted" });
const target = h("vscode-textfield", { id: "target", placeholder: "127.0.0.1:2600" }) as Field;
const sinkPort = h("vscode-textfield", { id: "sink-port", placeholder: "none" }) as Field;
const useEngine = h("vscode-checkbox", { id: "use-engine" }, "Reconcile with the engine") as Check;
const failoverCommand = h("vscode-textfield", {
  id: "failover-command",
  placeholder: "e.g. systemctl kill -s KILL messagefoundry@node-a (empty: ask the leader to step down)",
}) as Field;
const failoverLabel = h("label", { for: "failover-command" }, "Failover command");
const runButton = h("vscode-button", { id: "run" }, "Run");
const stopButton = h("vscode-button", { id: "stop", secondary: true, disabled: true }, "Stop");
const status = h("div", { id: "status", "aria-live": "polite" });
const verdictBox = h("section", { id: "verdict" });
const chartsBox = h("div", { id: "charts" });

document.body.append(
  h(
    "form",
    { id: "form", class: "form" },
    h("label", { for: "profile" }, "Profile"),
    h("div", {}, profileSelect, profileFile, profileHelp),
    h("label", { for: "target" }, "Target (MLLP inbound, host:port)"),
    target,
    h("label", { for: "sink-port" }, "Sink port (where the route delivers)"),
    sinkPort,
    failoverLabel,
    failoverCommand,
    h("span", {}),
    useEngine,
    h("span", {}),
    h("div", { class: "buttons" }, runButton, stopButton),
  ),
  status,
  verdictBox,
  chartsBox,
);

function formValue(): LoadTestForm {
  return {
    profile: chosen === FILE ? profileFile.value.trim() : chosen,
    target: target.value.trim(),
    sinkPort: sinkPort.value.trim(),
    useEngine: useEngine.checked,
    failoverCommand: failoverCommand.value.trim(),
  };
}

function showProfileHelp(): void {
  const file = chosen === FILE;
  profileFile.classList.toggle("hidden", !file);
  profileHelp.textContent = file
    ? 'A JSON profile; "extends": "baseline" starts from a built-in.'
    : (profiles.find((p) => p.name === chosen)?.description ?? "");
  // Only a failover profile asks how to fail the leader over.
  const failover = profiles.find((p) => p.name === chosen)?.failover === true;
  failoverLabel.classList.toggle("hidden", !failover);
  failoverCommand.classList.toggle("hidden", !failover);
}

function fillForm(form: LoadTestForm, engine: string | undefined): void {
  replaceChildren(
    profileSelect,
    ...profiles.map((p) => h("vscode-option", { value: p.name }, p.name)),
    h("vscode-option", { value: FILE }, "Profile file…"),
  );
  const builtIn = profiles.some((p) => p.name === form.profile);
  chosen = builtIn ? form.profile : form.profile ? FILE : (profiles[0]?.name ?? FILE);
  profileSelect.value = chosen;
  if (!builtIn) profileFile.value = form.profile;
  target.value = form.target;
  sinkPort.value = form.sinkPort;
  failoverCommand.value = form.failoverCommand ?? "";
  useEngine.checked = form.useEngine && engine !== undefined;
  useEngine.toggleAttribute("disabled", engine === undefined);
  useEngine.textContent = engine
    ? `Reconcile with the engine (${engine})`
    : "Reconcile with the engine (none configured)";
  showProfileHelp();
}

function setRunning(on: boolean): void {
  running = on;
  runButton.toggleAttribute("disabled", on);
  stopButton.toggleAttribute("disabled", !on);
}

// ---- charts -------------------------------------------------------------------------------------

const charts = new Map<string, { plot: uPlot; spec: ChartSpec }>();

function chartWidth(): number {
  return Math.max(320, chartsBox.clientWidth - 16);
}

function drawCharts(): void {
  for (const spec of LOAD_CHARTS) {
    const data = chartColumns(state.samples, spec) as uPlot.AlignedData;
    const existing = charts.get(spec.id);
    if (existing) {
      existing.plot.setData(data);
      continue;
    }
    const box = h(
      "section",
      { class: "chart", "data-chart": spec.id },
      h("h3", {}, `${spec.title} (${spec.unit})`),
    );
    chartsBox.append(box);
    const plot = new uPlot(
      {
        width: chartWidth(),
        height: 180,
        scales: { x: { time: false } },
        axes: [{ label: "seconds", stroke: "currentColor" }, { stroke: "currentColor" }],
        series: [{ label: "s" }, ...spec.series.map((s) => ({ label: s.label, stroke: s.color, width: 2 }))],
      },
      data,
      box,
    );
    charts.set(spec.id, { plot, spec });
  }
}

new ResizeObserver(() => {
  for (const { plot } of charts.values()) plot.setSize({ width: chartWidth(), height: 180 });
}).observe(chartsBox);

// ---- verdict ------------------------------------------------------------------------------------

function showVerdict(): void {
  const v = state.verdict;
  if (!v) {
    replaceChildren(verdictBox);
    return;
  }
  replaceChildren(
    verdictBox,
    h(
      "h2",
      { class: v.pass ? "pass" : "fail" },
      `${v.pass ? "PASS" : "FAIL"} (exit ${state.exitCode ?? "?"})`,
    ),
    h(
      "ul",
      { class: "checks" },
      ...v.checks.map((c) =>
        h(
          "li",
          { class: c.pass ? "pass" : "fail", "data-gate": c.gate },
          `${c.pass ? "✔" : "✘"} ${c.gate}: ${c.detail}`,
        ),
      ),
      ...v.regressions.map((r) =>
        h(
          "li",
          { class: "fail regression" },
          `✘ regressed: ${r.measure} ${r.current} vs ${r.baseline} (${r.worsePercent} % worse)`,
        ),
      ),
    ),
    state.report
      ? h(
          "vscode-button",
          { id: "open-report", onclick: () => host.post({ type: "openReport" }) },
          "Open report",
        )
      : null,
  );
}

// ---- wiring -------------------------------------------------------------------------------------

profileSelect.addEventListener("change", () => {
  chosen = profileSelect.value;
  showProfileHelp();
});
runButton.addEventListener("click", () => {
  if (running) return;
  const form = formValue();
  if (!form.profile || !form.target) {
    status.textContent = "Pick a profile and enter the target as host:port.";
    return;
  }
  state.form = form;
  state.samples = [];
  delete state.verdict;
  delete state.report;
  delete state.exitCode;
  host.setState(state);
  drawCharts();
  showVerdict();
  setRunning(true);
  status.textContent = `Starting ${form.profile} against ${form.target}…`;
  host.post({ type: "run", form });
});
stopButton.addEventListener("click", () => host.post({ type: "stop" }));

host.listen((msg) => {
  switch (msg.type) {
    case "init":
      profiles = msg.profiles;
      fillForm(state.form ?? msg.form, msg.engine);
      drawCharts();
      showVerdict();
      return;
    case "event": {
      const e = msg.event;
      if (e.type === "start")
        status.textContent = `Running ${e.profile} against ${e.target}: ${e.seconds} s in ${e.phases.length} phases`;
      else if (e.type === "sample") {
        const { type: _type, ...sample } = e;
        state.samples.push(sample);
        status.textContent = `${sample.t} s, ${sample.phase}: ${sample.acked} ACKed/s, ${sample.errors} errors`;
        drawCharts();
      } else if (e.type === "drain")
        status.textContent = `Draining (${e.seconds} s): backlog ${e.backlog ?? "—"}, sink ${e.delivered} of ${e.expected}`;
      host.setState(state);
      return;
    }
    case "finished":
      setRunning(false);
      if (msg.verdict) state.verdict = msg.verdict;
      state.exitCode = msg.exitCode;
      if (msg.report) state.report = msg.report;
      host.setState(state);
      status.textContent = msg.verdict
        ? "Finished."
        : `Stopped without a verdict (exit ${msg.exitCode}). ${msg.error ?? ""}`;
      showVerdict();
      return;
    case "hostError":
      setRunning(false);
      status.textContent = msg.message;
      return;
  }
});
