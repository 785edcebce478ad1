/**
 * How alerts read in the Engine Alerts view: one item per alert firing (its text carries names, counts
 * and error classes, never message content), then the recent notices, and the badge on the view (the
 * number firing). Pure: no vscode, tested in Node against a real engine.
 */
import type { ActiveAlertItem, AlertList, AlertNoticeItem } from "messagefoundry/api";

export interface AlertRow {
  id: string;
  label: string;
  description: string;
  tooltip: string;
  /** A codicon: `bell-dot` firing, `pass` resolved, `bell` sent again. */
  icon: "bell-dot" | "bell" | "pass";
}

export interface AlertsViewModel {
  active: AlertRow[];
  recent: AlertRow[];
  /** Undefined when nothing fires (VS Code then shows no badge). */
  badge: { value: number; tooltip: string } | undefined;
}

function clock(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$/, "Z");
}

function activeRow(a: ActiveAlertItem): AlertRow {
  return {
    id: `alert:${a.alert}`,
    label: a.alert,
    description: `${a.connection} · ${a.condition}${a.errorClass ? ` · ${a.errorClass}` : ""}`,
    tooltip: `${a.text}\nFiring since ${clock(a.since)}; last notified ${clock(a.lastNotifiedAt)}`,
    icon: "bell-dot",
  };
}

function noticeRow(n: AlertNoticeItem, i: number): AlertRow {
  return {
    id: `notice:${i}:${n.alert}:${n.at}`,
    label: `${n.alert} ${n.kind}`,
    description: clock(n.at),
    tooltip: n.text,
    icon: n.kind === "resolved" ? "pass" : n.kind === "firing" ? "bell-dot" : "bell",
  };
}

export function alertsView(list: AlertList, recentLimit = 20): AlertsViewModel {
  const n = list.active.length;
  return {
    active: list.active.map(activeRow),
    recent: list.recent.slice(0, recentLimit).map(noticeRow),
    badge: n > 0 ? { value: n, tooltip: `${n} alert${n === 1 ? "" : "s"} firing` } : undefined,
  };
}
