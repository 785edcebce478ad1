/**
 * Stage → Promote view: renders the flow state the host posts (see model/promote-flow.ts) — the steps,
 * the problems, what the promotion adds, removes and changes — and posts Confirm / Cancel / Restart.
 */
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "../../ui/base.css";
import "./promote.css";
import {
  canCancel,
  canConfirm,
  hasErrors,
  PROMOTE_STEPS,
  REMOVED_QUEUED_LABELS,
  removedQueuedDecided,
} from "../../model/promote-flow.js";
import type {
  ChangedNode,
  FileChange,
  NodeRef,
  PromoteFromView,
  PromoteProblem,
  PromoteState,
  PromoteStep,
  PromoteToView,
  RemovedQueuedChoice,
  RemovedWithQueue,
} from "../../protocol/promote.js";
import { h, replaceChildren } from "../../ui/dom.js";
import { connectHost } from "../../ui/host.js";

interface State {
  flow?: PromoteState;
  /** The user's choices for removed connections' queued rows, for the staged version shown. */
  choices?: Record<string, RemovedQueuedChoice>;
}

const STEP_LABELS: Record<PromoteStep, string> = {
  validate: "Validate",
  pickTarget: "Pick target",
  stage: "Stage",
  review: "Review",
  confirm: "Confirm",
  promote: "Promote",
  done: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

const host = connectHost<PromoteToView, PromoteFromView, State>();
const state: State = host.getState() ?? {};

const steps = h("ol", { id: "steps", class: "steps", "aria-label": "Promotion steps" });
const headline = h("div", { id: "headline", role: "status", "aria-live": "polite" });
const problems = h("section", { id: "problems" });
const summary = h("section", { id: "summary" });
const activeNow = h("p", { id: "active-now", class: "muted" });
const confirm = h("vscode-button", { id: "confirm" }, "Confirm promotion");
const cancel = h("vscode-button", { id: "cancel", secondary: true }, "Cancel");
const restart = h("vscode-button", { id: "restart", secondary: true }, "Start again");
document.body.append(
  steps,
  headline,
  activeNow,
  problems,
  summary,
  h("div", { class: "toolbar actions" }, confirm, cancel, restart),
);

confirm.addEventListener("click", () => {
  const flow = state.flow;
  const choices = state.choices ?? {};
  if (flow && canConfirm(flow) && flow.summary && removedQueuedDecided(flow.summary, choices))
    host.post({
      type: "confirm",
      stagedVersion: flow.summary.stagedVersion,
      ...(flow.summary.removedQueued?.length ? { removedQueued: choices } : {}),
    });
});
cancel.addEventListener("click", () => {
  if (state.flow && canCancel(state.flow)) host.post({ type: "cancel" });
});
restart.addEventListener("click", () => host.post({ type: "restart" }));

function nodeList(
  title: string,
  id: string,
  nodes: (NodeRef | ChangedNode)[],
  marker: string,
): HTMLElement | null {
  if (nodes.length === 0) return null;
  return h(
    "div",
    { id, class: "change-group" },
    h("h3", {}, `${title} (${nodes.length})`),
    h(
      "ul",
      {},
      ...nodes.map((n) =>
        h(
          "li",
          { class: `change ${id}` },
          h("span", { class: "marker", "aria-hidden": "true" }, marker),
          h("span", { class: "kind" }, n.kind),
          " ",
          h("span", { class: "mono" }, n.name),
          "changes" in n && n.changes.length > 0
            ? h("ul", { class: "details" }, ...n.changes.map((c) => h("li", { class: "mono" }, c)))
            : null,
        ),
      ),
    ),
  );
}

const FILE_MARKERS: Record<FileChange["status"], string> = { added: "+", removed: "−", modified: "~" };

/** Each changed file links to the diff editor (staged vs active). */
function fileList(files: FileChange[] | undefined): HTMLElement | null {
  if (!files) return null;
  if (files.length === 0) return h("p", { id: "files", class: "muted" }, "No file changes.");
  return h(
    "div",
    { id: "files", class: "change-group" },
    h("h3", {}, `Files (${files.length})`),
    h(
      "ul",
      {},
      ...files.map((f) =>
        h(
          "li",
          { class: `file ${f.status}` },
          h("span", { class: "marker", "aria-hidden": "true" }, FILE_MARKERS[f.status]),
          h(
            "a",
            {
              href: "#",
              class: "mono diff-link",
              title: `Show the diff of ${f.path}`,
              onclick: (e: Event) => {
                e.preventDefault();
                host.post({ type: "openDiff", path: f.path });
              },
            },
            f.path,
          ),
          " ",
          h("span", { class: "muted" }, f.status),
        ),
      ),
    ),
  );
}

/** Removed connections with queued rows: one choice each, required before Confirm. */
function removedQueuedChoices(items: RemovedWithQueue[] | undefined): HTMLElement | null {
  if (!items || items.length === 0) return null;
  state.choices ??= {};
  const choices = state.choices;
  return h(
    "div",
    { id: "removed-queued", class: "notice" },
    h("h3", {}, "Removed connections with queued rows"),
    h("p", {}, "This promote removes connections that still have rows waiting. Choose what happens to them:"),
    ...items.map((q) => {
      const select = h(
        "select",
        {
          "aria-label": `Queued rows of ${q.connection}`,
          "data-connection": q.connection,
          onchange: (e: Event) => {
            const value = (e.target as HTMLSelectElement).value;
            if (value === "") delete choices[q.connection];
            else choices[q.connection] = value as RemovedQueuedChoice;
            host.setState(state);
            render();
          },
        },
        h("option", { value: "" }, "Choose…"),
        ...(Object.entries(REMOVED_QUEUED_LABELS) as [RemovedQueuedChoice, string][]).map(([value, label]) =>
          h("option", { value, selected: choices[q.connection] === value }, label),
        ),
      );
      return h(
        "div",
        { class: "removed-row" },
        h("span", { class: "mono" }, q.connection),
        ` — ${q.queued} queued: `,
        select,
      );
    }),
  );
}

function problemItem(p: PromoteProblem): HTMLElement {
  const where = p.file ? `${p.file}${p.line ? `:${p.line}` : ""}` : "";
  const text = `${p.code}: ${p.message}`;
  const open = (e: Event) => {
    e.preventDefault();
    if (p.file) host.post({ type: "openProblem", file: p.file, line: p.line ?? 1 });
  };
  return h(
    "li",
    { class: `problem severity-${p.severity}` },
    h("span", { class: "severity" }, p.severity),
    " ",
    p.file ? h("a", { href: "#", class: "location", onclick: open }, where) : null,
    " ",
    text,
  );
}

function headlineFor(flow: PromoteState): string {
  const target = flow.target ? `${flow.target.env} (${flow.target.url})` : "";
  switch (flow.step) {
    case "validate":
      return "Validating the config locally…";
    case "pickTarget":
      return "Pick the engine to promote to.";
    case "stage":
      return `Staging the bundle on ${target}…`;
    case "review":
      return hasErrors(flow.problems)
        ? `The engine at ${target} reported errors: this bundle cannot be promoted.`
        : `Review what promoting version ${flow.summary?.stagedVersion} to ${target} changes.`;
    case "confirm":
      return `Confirmed. Waiting for final authorisation to promote to ${target}…`;
    case "promote":
      return `Promoting to ${target}…`;
    case "done":
      return `Promoted. Version ${flow.promotedVersion} is now active on ${target}.`;
    case "failed":
      return `Failed at ${STEP_LABELS[flow.failedAt ?? "validate"]}: ${flow.error ?? "unknown error"}`;
    case "cancelled":
      return "Cancelled. Nothing was promoted.";
  }
}

function render(): void {
  const flow = state.flow;
  if (!flow) {
    replaceChildren(headline, "Waiting for the promotion to start…");
    for (const b of [confirm, cancel, restart]) b.classList.add("hidden");
    return;
  }
  const reached = flow.step === "failed" ? (flow.failedAt ?? "validate") : flow.step;
  const index = PROMOTE_STEPS.indexOf(reached);
  replaceChildren(
    steps,
    ...PROMOTE_STEPS.map((s, i) => {
      const status =
        flow.step === "failed" && s === reached
          ? "failed"
          : i < index || flow.step === "done"
            ? "complete"
            : i === index && flow.step !== "cancelled"
              ? "current"
              : "pending";
      return h(
        "li",
        { class: `step ${status}`, "aria-current": status === "current" ? "step" : undefined },
        STEP_LABELS[s],
      );
    }),
  );
  headline.className = flow.step === "failed" ? "notice" : flow.step === "done" ? "success" : "";
  replaceChildren(headline, headlineFor(flow));
  replaceChildren(
    problems,
    flow.problems.length > 0 ? h("h2", {}, `Problems (${flow.problems.length})`) : null,
    flow.problems.length > 0 ? h("ul", { class: "problems" }, ...flow.problems.map(problemItem)) : null,
  );
  const s = flow.summary;
  replaceChildren(
    summary,
    s
      ? h(
          "div",
          {},
          h("h2", {}, "Summary"),
          h("p", { class: "muted" }, `Active: ${s.activeVersion ?? "none"} → staged: ${s.stagedVersion}`),
          nodeList("Added", "added", s.added, "+"),
          nodeList("Removed", "removed", s.removed, "−"),
          nodeList("Changed", "changed", s.changed, "~"),
          s.added.length + s.removed.length + s.changed.length === 0 ? h("p", {}, "No node changes.") : null,
          fileList(s.files),
          flow.step === "review" ? removedQueuedChoices(s.removedQueued) : null,
        )
      : null,
  );
  replaceChildren(activeNow, flow.activeNow ? `Active on the engine now: ${flow.activeNow}` : "");
  confirm.classList.toggle("hidden", flow.step !== "review");
  confirm.toggleAttribute("disabled", !canConfirm(flow) || !removedQueuedDecided(s, state.choices ?? {}));
  cancel.classList.toggle("hidden", !canCancel(flow));
  restart.classList.toggle("hidden", flow.step !== "failed" && flow.step !== "cancelled");
}

host.listen((message) => {
  switch (message.type) {
    case "state":
      // Choices belong to one staged version: a new stage starts without any.
      if (message.state.summary?.stagedVersion !== state.flow?.summary?.stagedVersion) state.choices = {};
      state.flow = message.state;
      host.setState(state);
      render();
      break;
    case "hostError":
      replaceChildren(headline, h("div", { class: "notice" }, message.message));
      break;
  }
});
render();
