/**
 * Live values for the Steps view: a traced dry run (`dryrun --json --trace`) mapped onto a function's
 * rows. Each read and write the trace placed on a line goes to the row of that line (a control row
 * takes only those of its head); sends and a router's handlers mark the row that returned them. From
 * that, what ran is inferred: a row that ran ran its block and every earlier sibling; a branch with a
 * row that ran was taken and its other branch was not; a returning branch skipped while a later row
 * ran was not taken; rows after a return that ran were skipped. Everything else stays "unknown" — the
 * view never claims more than the trace shows. Identifiers are masked as in the parse tree. Pure.
 */
import type { StepBlock, StepRow, StepsFunction } from "@messagefoundry/language-server/protocol";
import type { DryRunResult, TraceRead, TraceStep, TraceWrite } from "messagefoundry/api";
import { tryParseFieldPath } from "messagefoundry/hl7";
import { IDENTIFIER_FIELDS, MASK } from "./parse-tree.js";

export type RowStatus = "ran" | "skipped" | "unknown";

export interface RowLive {
  status: RowStatus;
  /** What the row read and wrote, in order, e.g. `MSH-9.2 = "A08"`, `MSH-5: "X" → "EMR"`, `→ OB_EMR`. */
  values: string[];
  /** Of an `if` that ran: the branch taken ("none": it has no else and the then was not taken). */
  branch?: "then" | "else" | "none";
}

export interface StepsLive {
  /** Whether the function ran for this message at all. */
  ran: boolean;
  /** One sentence: the disposition and what the function returned. */
  summary: string;
  rows: Record<string, RowLive>;
  /**
   * Reads and writes made outside the function's rows — in a helper module it calls, e.g.
   * `_helpers/names.ts:5 PID-5.1: "•••" → "•••"` — so nothing the run did is left unshown.
   */
  elsewhere: string[];
}

/** Masks a value of an identifying field (PID-5, NK1-2…) unless `mask` is off. */
export function maskValue(path: string, value: string, mask: boolean): string {
  if (!mask || value === "") return value;
  const p = tryParseFieldPath(path).path;
  return p && IDENTIFIER_FIELDS.has(`${p.segment}-${p.field}`) ? MASK : value;
}

const show = (path: string, v: string | null | undefined, mask: boolean) =>
  v === null || v === undefined ? "(absent)" : `"${maskValue(path, v, mask)}"`;

function readText(r: TraceRead, mask: boolean): string {
  return "value" in r ? `${r.path} = ${show(r.path, r.value, mask)}` : `read ${r.path}`;
}

function writeText(w: TraceWrite, mask: boolean): string {
  return "after" in w
    ? `${w.path}: ${show(w.path, w.before, mask)} → ${show(w.path, w.after, mask)}`
    : `wrote ${w.path}`;
}

function outcomeText(s: TraceStep): string {
  switch (s.result.kind) {
    case "handlers":
      return s.result.handlers.length ? `routed to ${s.result.handlers.join(", ")}` : "returned no handler";
    case "sends":
      return `sent to ${s.result.sends.map((x) => x.outbound).join(", ")}`;
    case "nothing":
      return "returned nothing (filtered)";
    case "error":
      return `failed: ${s.result.message}`;
  }
}

const TERMINAL = new Set<StepRow["kind"]>(["send", "route", "stop"]);

interface Node {
  row: StepRow;
  parent?: Node;
  /** The block the row sits in and its index there. */
  block: StepBlock;
  index: number;
}

/** Maps one dry-run result onto the rows of `fn`. */
export function liveValues(fn: StepsFunction, result: DryRunResult, mask = true): StepsLive {
  const nodes = new Map<string, Node>();
  const index = (b: StepBlock, parent?: Node) =>
    b.rows.forEach((row, i) => {
      const n: Node = { row, block: b, index: i, ...(parent ? { parent } : {}) };
      nodes.set(row.id, n);
      for (const c of row.blocks ?? []) index(c, n);
    });
  index(fn.body);
  const rows: Record<string, RowLive> = {};
  for (const id of nodes.keys()) rows[id] = { status: "unknown", values: [] };

  const step = result.trace?.find((s) => s.step === fn.kind && s.name === fn.name);
  if (!step) {
    const summary = result.trace
      ? `${cap(fn.kind)} ${fn.name} did not run for this message (${result.disposition}).`
      : "The run has no trace.";
    return { ran: false, summary, rows, elsewhere: [] };
  }

  // Events onto rows, in order: reads and writes interleaved as they happened is not kept by the
  // trace (two lists), so reads come first, then writes, then what the function returned.
  const at = (file: string | undefined, line: number | undefined): Node | undefined =>
    file === fn.file && line !== undefined ? rowAtLine(fn.body, line, nodes) : undefined;
  const ran = new Set<string>();
  const elsewhere: string[] = [];
  const note = (n: Node | undefined, text: string) => {
    if (!n) return;
    rows[n.row.id]?.values.push(text);
    ran.add(n.row.id);
  };
  const place = (e: TraceRead | TraceWrite, text: string) => {
    const n = at(e.file, e.line);
    if (n) note(n, text);
    else elsewhere.push(e.file ? `${e.file}:${e.line ?? "?"} ${text}` : text);
  };
  for (const r of step.reads) place(r, readText(r, mask));
  for (const w of step.writes) place(w, writeText(w, mask));
  if (step.result.kind === "sends")
    for (const s of step.result.sends) {
      const n = at(s.file, s.line);
      const target = n && n.row.kind === "send" ? n : undefined;
      note(target ?? uniqueTerminal(nodes, "send", s.outbound), `→ ${s.outbound}`);
    }
  if (step.result.kind === "handlers") {
    const want = step.result.handlers.join(",");
    const matches = [...nodes.values()].filter(
      (n) =>
        n.row.kind === "route" &&
        n.row.args.every((a) => a.editable) &&
        n.row.args.map((a) => a.value).join(",") === want,
    );
    if (matches.length === 1)
      note(matches[0], want ? `→ ${step.result.handlers.join(", ")}` : "→ no handler");
  }
  if (step.result.kind === "nothing") {
    const stops = [...nodes.values()].filter((n) => n.row.kind === "stop");
    if (stops.length === 1) note(stops[0], "→ nothing");
  }

  const skipped = new Set<string>();
  for (const r of fn.body.rows.slice(0, 1)) ran.add(r.id); // the function ran: its first row did
  // Propagate until nothing changes (a handful of passes for any real function).
  for (let changed = true; changed; ) {
    changed = false;
    const mark = (set: Set<string>, id: string) => {
      if (!set.has(id) && !(set === ran ? skipped : ran).has(id)) {
        set.add(id);
        changed = true;
      }
    };
    for (const id of [...ran]) {
      const n = nodes.get(id);
      if (!n) continue;
      if (n.parent) mark(ran, n.parent.row.id);
      for (let i = 0; i < n.index; i++) mark(ran, (n.block.rows[i] as StepRow).id);
      if (TERMINAL.has(n.row.kind)) for (const later of following(n)) mark(skipped, later);
    }
    for (const n of nodes.values()) {
      if (n.row.kind !== "if" || !ran.has(n.row.id)) continue;
      const [then, other] = n.row.blocks ?? [];
      const took = (b: StepBlock | undefined) => !!b?.rows.some((r) => subtreeRan(r, ran));
      const afterRan = following(n, false).some((id) => ran.has(id));
      if (then && took(then) && other) for (const r of other.rows) mark(skipped, r.id);
      if (other && took(other) && then) for (const r of then.rows) mark(skipped, r.id);
      if (then && !took(then) && afterRan && endsInReturn(then)) {
        for (const r of then.rows) mark(skipped, r.id);
        if (other?.rows[0]) mark(ran, other.rows[0].id);
      }
    }
    // A skipped row skips what it holds.
    for (const id of [...skipped])
      for (const b of nodes.get(id)?.row.blocks ?? []) for (const r of b.rows) mark(skipped, r.id);
  }

  for (const n of nodes.values()) {
    const live = rows[n.row.id] as RowLive;
    live.status = ran.has(n.row.id) ? "ran" : skipped.has(n.row.id) ? "skipped" : "unknown";
    if (n.row.kind === "if" && live.status === "ran") {
      const [then, other] = n.row.blocks ?? [];
      const state = (b: StepBlock | undefined) =>
        b?.rows.some((r) => ran.has(r.id))
          ? "ran"
          : b?.rows.every((r) => skipped.has(r.id))
            ? "skipped"
            : "unknown";
      if (state(then) === "ran") live.branch = "then";
      else if (other && state(other) === "ran") live.branch = "else";
      else if (!other && state(then) === "skipped") live.branch = "none";
    }
  }
  return {
    ran: true,
    summary: `${cap(fn.kind)} ${fn.name} ${outcomeText(step)}; the message ended ${result.disposition}.`,
    rows,
    elsewhere,
  };
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The innermost row on `line`: a control row for its head's lines and those outside its blocks. */
function rowAtLine(block: StepBlock, line: number, nodes: Map<string, Node>): Node | undefined {
  for (const r of block.rows) {
    if (line < r.location.line || line > r.location.endLine) continue;
    // A condition shares its line with a one-line branch: what is read there is the condition's.
    if (r.head && line >= r.head.line && line <= r.head.endLine) return nodes.get(r.id);
    for (const b of r.blocks ?? []) {
      const inner = rowAtLine(b, line, nodes);
      if (inner) return inner;
    }
    return nodes.get(r.id);
  }
  return undefined;
}

/** Ids of the rows after `n` in its block and, going up, after each ancestor (with their subtrees). */
function following(n: Node, climb = true): string[] {
  const out: string[] = [];
  const subtree = (r: StepRow) => {
    out.push(r.id);
    for (const b of r.blocks ?? []) for (const c of b.rows) subtree(c);
  };
  for (let cur: Node | undefined = n; cur; cur = climb ? cur.parent : undefined) {
    for (const r of cur.block.rows.slice(cur.index + 1)) subtree(r);
  }
  return out;
}

function subtreeRan(r: StepRow, ran: Set<string>): boolean {
  return ran.has(r.id) || (r.blocks ?? []).some((b) => b.rows.some((c) => subtreeRan(c, ran)));
}

function endsInReturn(b: StepBlock): boolean {
  const last = b.rows.at(-1);
  return !!last && (TERMINAL.has(last.kind) || /^(return|throw)\b/.test(last.text));
}

/** The only send row naming `outbound` (when the trace could not place the send). */
function uniqueTerminal(nodes: Map<string, Node>, kind: StepRow["kind"], name: string): Node | undefined {
  const hits = [...nodes.values()].filter(
    (n) => n.row.kind === kind && n.row.args.some((a) => a.value === name),
  );
  return hits.length === 1 ? hits[0] : undefined;
}
