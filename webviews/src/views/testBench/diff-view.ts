/**
 * Renders model/hl7-diff as a table: changed segments with their changed fields, before and after
 * (the Test Bench's before/after, the tee compare view's legacy/shadow).
 */
import { diffHl7, type MessageDiff, type SegmentDiff } from "../../model/hl7-diff.js";
import { h } from "../../ui/dom.js";

function segmentLabel(s: SegmentDiff): string {
  const occ = s.afterOccurrence ?? s.beforeOccurrence ?? 1;
  return occ > 1 ? `${s.name}[${occ}]` : s.name;
}

export function renderDiff(before: string, after: string): HTMLElement {
  return renderMessageDiff(diffHl7(before, after));
}

export interface DiffLabels {
  before: string;
  after: string;
  /** Shown when nothing differs. */
  none: string;
  /** List each changed field's differing components under its path. */
  components?: boolean;
}

const TEST_BENCH_LABELS: DiffLabels = { before: "Before", after: "After", none: "Delivered unchanged." };

export function renderMessageDiff(diff: MessageDiff, labels: DiffLabels = TEST_BENCH_LABELS): HTMLElement {
  const rows: HTMLElement[] = [];
  for (const s of diff.segments) {
    if (s.status === "same") continue;
    if (s.status === "added" || s.status === "removed") {
      rows.push(
        h(
          "tr",
          { class: `seg-${s.status}` },
          h("td", { class: "mono" }, segmentLabel(s)),
          h("td", {}, s.status === "added" ? "segment added" : "segment removed"),
          h("td", { class: "mono before" }, s.before ?? ""),
          h("td", { class: "mono after" }, s.after ?? ""),
        ),
      );
      continue;
    }
    for (const c of s.changes) {
      rows.push(
        h(
          "tr",
          { class: `field-${c.status}` },
          h(
            "td",
            { class: "mono" },
            c.path,
            labels.components && c.components?.length
              ? h("div", { class: "muted components" }, c.components.join(", "))
              : null,
          ),
          h("td", {}, c.status),
          h("td", { class: "mono before" }, c.before ?? ""),
          h("td", { class: "mono after" }, c.after ?? ""),
        ),
      );
    }
  }
  const same = diff.segments.filter((s) => s.status === "same").length;
  return h(
    "div",
    { class: "diff" },
    ...diff.problems.map((p) => h("div", { class: "muted" }, p)),
    rows.length === 0
      ? h("p", { class: "muted diff-none" }, labels.none)
      : h(
          "table",
          { class: "diff-table" },
          h("caption", { class: "muted" }, `${diff.changeCount} change(s); ${same} segment(s) unchanged`),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { scope: "col" }, "Path"),
              h("th", { scope: "col" }, "Change"),
              h("th", { scope: "col" }, labels.before),
              h("th", { scope: "col" }, labels.after),
            ),
          ),
          h("tbody", {}, ...rows),
        ),
  );
}
