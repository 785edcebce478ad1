/**
 * How a Steps row reads: a sentence whose literal arguments are slots the view renders as inputs
 * (`Set [PID-5.1] to [EMR]`), and the palette of actions an analyst can add. Pure.
 */
import type { NewStep, StepRow, StepsFunction } from "@messagefoundry/language-server/protocol";

/** Text, or the index of an argument of the row. */
export type Part = string | { arg: number };

export function rowParts(row: StepRow): Part[] {
  const a = (i: number): Part => ({ arg: i });
  const list = (): Part[] => row.args.flatMap((_, i) => (i === 0 ? [a(i)] : [", ", a(i)]));
  switch (row.kind) {
    case "set":
      return ["Set ", a(0), " to ", a(1)];
    case "copy":
      return ["Copy ", a(1), " into ", a(0)];
    case "clear":
      return ["Clear ", a(0)];
    case "map":
      return ["Map ", a(2), " through code set ", a(1), " into ", a(0)];
    case "deleteSegment":
      return ["Delete every ", a(0), " segment"];
    case "addSegment":
      return ["Add segment ", a(0)];
    case "send":
      return ["Send to ", ...list()];
    case "route":
      return row.args.length ? ["Route to ", ...list()] : ["Route to no handler"];
    case "stop":
      return ["Stop: send nothing (filtered)"];
    case "if":
      return [`If ${row.headText ?? ""}`];
    case "loop":
      return [`Repeat: ${row.headText ?? ""}`];
    case "code":
      return [row.text];
  }
}

/** One entry of the palette: the action and the fields it asks for (in order). */
export interface PaletteEntry {
  kind: NewStep["kind"];
  label: string;
  fields: {
    name: string;
    label: string;
    role: "path" | "value" | "segment" | "codeSet" | "outbound" | "handler";
  }[];
}

const PATH = { name: "path", label: "Field", role: "path" } as const;
const SOURCE = { name: "source", label: "From field", role: "path" } as const;

export const PALETTE: readonly PaletteEntry[] = [
  { kind: "set", label: "Set a field", fields: [PATH, { name: "value", label: "Value", role: "value" }] },
  { kind: "copy", label: "Copy a field", fields: [PATH, SOURCE] },
  { kind: "clear", label: "Clear a field", fields: [PATH] },
  {
    kind: "map",
    label: "Map through a code set",
    fields: [PATH, { name: "codeSet", label: "Code set", role: "codeSet" }, SOURCE],
  },
  {
    kind: "deleteSegment",
    label: "Delete a segment",
    fields: [{ name: "segment", label: "Segment", role: "segment" }],
  },
  {
    kind: "addSegment",
    label: "Add a segment",
    fields: [{ name: "segment", label: "Segment", role: "segment" }],
  },
  {
    kind: "send",
    label: "Send to an outbound",
    fields: [{ name: "outbound", label: "Outbound", role: "outbound" }],
  },
  {
    kind: "route",
    label: "Route to a handler",
    fields: [{ name: "handler", label: "Handler", role: "handler" }],
  },
  { kind: "stop", label: "Stop (send nothing)", fields: [] },
];

/** The palette entries that fit a router or a handler. */
export function paletteFor(kind: StepsFunction["kind"]): PaletteEntry[] {
  return PALETTE.filter((p) => (kind === "router" ? p.kind === "route" : p.kind !== "route"));
}

/** The NewStep an entry and its field values make. */
export function newStep(kind: NewStep["kind"], v: Record<string, string>): NewStep {
  const f = (n: string) => (v[n] ?? "").trim();
  switch (kind) {
    case "set":
      return { kind, path: f("path"), value: v.value ?? "" };
    case "copy":
      return { kind, path: f("path"), source: f("source") };
    case "clear":
      return { kind, path: f("path") };
    case "map":
      return { kind, path: f("path"), codeSet: f("codeSet"), source: f("source") };
    case "deleteSegment":
    case "addSegment":
      return { kind, segment: f("segment") };
    case "send":
      return { kind, outbound: f("outbound") };
    case "route":
      return { kind, handlers: [f("handler")] };
    case "stop":
      return { kind };
  }
}

const TERMINAL = new Set<StepRow["kind"]>(["send", "route", "stop"]);

/** Where "Add step" at the end of a block inserts: before a final return, so the new step runs. */
export function appendIndex(rows: readonly StepRow[]): number {
  const last = rows.at(-1);
  return last && (TERMINAL.has(last.kind) || /^return\b/.test(last.text)) ? rows.length - 1 : rows.length;
}
