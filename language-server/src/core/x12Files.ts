/**
 * Open .x12/.edi files: symbols per interchange and transaction set, folding, hover naming the
 * segment, element, repetition and component, and the parser's positioned issues as problems.
 * Files are read by messagefoundry/x12's parseX12Batch/locateX12, as the parse-tree view reads them,
 * so hover and the view name the same parts. Hovers name parts, never show values (they may be PHI).
 */
import {
  formatX12Path,
  locateX12,
  parseX12Batch,
  segmentName,
  transactionName,
  type X12Interchange,
} from "messagefoundry/x12";
import type { FileProblem } from "./facts.js";
import type { SymbolInfo } from "./navigation.js";
import { LineIndex } from "./text.js";

/** ISA elements by number: fixed-width header fields, read before any separator is known. */
const ISA_ELEMENTS = [
  "Authorization Information Qualifier",
  "Authorization Information",
  "Security Information Qualifier",
  "Security Information",
  "Interchange ID Qualifier (sender)",
  "Interchange Sender ID",
  "Interchange ID Qualifier (receiver)",
  "Interchange Receiver ID",
  "Interchange Date (YYMMDD)",
  "Interchange Time (HHMM)",
  "Repetition Separator (00501) / Standards Identifier (00401)",
  "Interchange Control Version Number",
  "Interchange Control Number",
  "Acknowledgment Requested (TA1)",
  "Usage Indicator (P production, T test)",
  "Component Element Separator",
];

export class X12File {
  readonly interchanges: X12Interchange[];
  /** Why the file could not be read at all (no ISA), for its one problem. */
  readonly failure: string | undefined;
  private readonly index: LineIndex;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.index = new LineIndex(text);
    let interchanges: X12Interchange[] = [];
    let failure: string | undefined;
    try {
      interchanges = parseX12Batch(text);
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
    }
    this.interchanges = interchanges;
    this.failure = failure;
  }

  /** End of the interchange's last segment (its terminator included), before line breaks. */
  private endOf(ic: X12Interchange): number {
    const last = ic.segments[ic.segments.length - 1];
    return last ? last.start + last.text.length + 1 : ic.start;
  }

  symbols(): SymbolInfo[] {
    return this.interchanges.map((ic) => ({
      name: `Interchange ${ic.controlNumber}`,
      kind: "message",
      detail: `X12 ${ic.version}`,
      location: this.index.location(this.file, ic.start, this.endOf(ic)),
      selection: this.index.location(this.file, ic.start, ic.start + 3),
      children: ic.transactions.map((t) => {
        const last = t.segments[t.segments.length - 1] ?? t.st;
        return {
          name: `${t.type} ${t.controlNumber}`,
          kind: "segment" as const,
          ...(transactionName(t.type) ? { detail: transactionName(t.type) } : {}),
          location: this.index.location(this.file, t.st.start, last.start + last.text.length),
          selection: this.index.location(this.file, t.st.start, t.st.start + 2),
        };
      }),
    }));
  }

  /** One fold per interchange and one per transaction set (0-based lines). */
  folds(): { startLine: number; endLine: number }[] {
    const out: { startLine: number; endLine: number }[] = [];
    const line = (o: number) => this.index.position(o).line;
    for (const ic of this.interchanges) {
      out.push({ startLine: line(ic.start), endLine: line(this.endOf(ic)) });
      for (const t of ic.transactions) {
        const last = t.segments[t.segments.length - 1] ?? t.st;
        out.push({ startLine: line(t.st.start), endLine: line(last.start + last.text.length) });
      }
    }
    return out.filter((f) => f.endLine > f.startLine);
  }

  /** Hover: the part's path, the segment's name, and the transaction set it sits in. */
  hover(_dict: unknown, offset: number): { markdown: string; start: number; end: number } | undefined {
    const at = locateX12(this.interchanges, offset);
    if (!at) return undefined;
    const ic = this.interchanges[at.interchange] as X12Interchange;
    const seg = at.segment;
    const tx = ic.transactions.find((t) => t.st.start <= seg.start && seg.start <= (t.se ?? t.st).start);
    const where = tx
      ? `X12 ${ic.version} · ${tx.type}${transactionName(tx.type) ? ` ${transactionName(tx.type)}` : ""}`
      : `X12 ${ic.version} · interchange envelope`;
    const name = segmentName(seg.id);
    if (at.element === undefined) {
      const markdown = `**${at.path}** — ${name ?? "segment not in the built-in list"}\n\n${where}`;
      return { markdown, start: seg.start, end: seg.start + seg.id.length };
    }
    const element = formatX12Path({ segment: seg.id, element: at.element });
    const what =
      seg.id === "ISA"
        ? (ISA_ELEMENTS[at.element - 1] ?? "beyond ISA-16")
        : `element ${element.slice(seg.id.length + 1)} of ${seg.id}${name ? ` (${name})` : ""}`;
    const parts = [
      at.repetition !== undefined ? `repetition ${at.repetition}` : "",
      at.component !== undefined ? `component ${at.component}` : "",
    ].filter(Boolean);
    const markdown = `**${at.path}** — ${what}${parts.length ? `, ${parts.join(", ")}` : ""}\n\n${where}`;
    return { markdown, start: at.start, end: Math.max(at.end, at.start + 1) };
  }

  problems(): FileProblem[] {
    if (this.failure !== undefined)
      return [
        {
          code: "X12_NO_ISA",
          severity: "error",
          message: this.failure,
          location: this.index.location(this.file, 0, Math.min(3, this.text.length)),
        },
      ];
    return this.interchanges.flatMap((ic) =>
      ic.issues.map((i) => ({
        code: i.code,
        severity: i.severity,
        message: i.message,
        location: this.index.location(this.file, i.offset, i.offset + Math.max(1, i.length)),
      })),
    );
  }
}
