/**
 * Open .hl7 files: symbols per message and segment, folding per message, hover by MSH-12 version, problems.
 * Files are read by messagefoundry/hl7's parseFileTree/locateInFile, as the parse-tree view reads them,
 * so hover and the view name and bound the same nodes (test/hl7-agreement proves it).
 */
import { type Hl7FileTree, locateInFile, type Message, parseFileTree } from "messagefoundry/hl7";
import type { FileProblem } from "./facts.js";
import { describePath, type Hl7Dictionary, resolvePath } from "./hl7Paths.js";
import type { SymbolInfo } from "./navigation.js";
import { LineIndex } from "./text.js";

/** Strict-validation problems of one message, positioned in the file's text. */
export type Hl7Validator = (
  msg: Message,
  version: string,
) => { message: string; start: number; end: number; code: string }[];

export class Hl7File {
  readonly messages: Message[];
  private readonly tree: Hl7FileTree;
  private readonly index: LineIndex;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.tree = parseFileTree(text);
    this.messages = this.tree.messages.map((m) => m.message);
    this.index = new LineIndex(text);
  }

  symbols(): SymbolInfo[] {
    return this.tree.messages.map(({ message: m, tree }) => {
      const loc = this.index.location(this.file, m.start, trimEnd(this.text, m.end));
      return {
        name: `${m.messageType || "message"}${m.controlId ? ` ${m.controlId}` : ""}`,
        kind: "message",
        ...(m.version ? { detail: `HL7 v${m.version}` } : {}),
        location: loc,
        selection: this.index.location(this.file, m.start, m.start + 3),
        children: tree.segments.map((s) => {
          const l = this.index.location(this.file, s.start, s.end);
          return {
            name: s.occurrence > 1 ? `${s.name}[${s.occurrence}]` : s.name,
            kind: "segment" as const,
            location: l,
            selection: this.index.location(this.file, s.start, s.start + s.name.length),
          };
        }),
      };
    });
  }

  /** An empty span (e.g. a missing trailing field) is widened to the character before it, on its line. */
  private span(start: number, end: number) {
    if (end <= start + 1 && (start >= this.text.length || /[\r\n]/.test(this.text[start] ?? ""))) {
      return this.index.location(this.file, Math.max(0, start - 1), start);
    }
    return this.index.location(this.file, start, Math.max(end, start + 1));
  }

  /** One fold per message, from its MSH line to its last segment line (0-based lines). */
  folds(): { startLine: number; endLine: number }[] {
    return this.messages
      .map((m) => ({
        startLine: this.index.position(m.start).line,
        endLine: this.index.position(trimEnd(this.text, m.end)).line,
      }))
      .filter((f) => f.endLine > f.startLine);
  }

  /** Hover on a message's or the batch envelope's node (the envelope is read by the first message's version). */
  hover(dict: Hl7Dictionary, offset: number): { markdown: string; start: number; end: number } | undefined {
    const at = locateInFile(this.tree, offset);
    if (!at) return undefined;
    const declared = this.tree.messages[at.message ?? 0]?.message.version;
    const node = at.subcomponent ?? at.component ?? at.field ?? at.segment;
    // Name the element without repetition/occurrence brackets so the definitions lookup is plain.
    const path = at.path.replace(/\[\d+\]/g, "");
    const version = dict.resolveVersion(declared);
    if (!at.field) {
      const seg = dict.segment(version, at.segment.name);
      // The node's path (`OBX[2]`), as the parse-tree view labels it.
      const markdown = seg
        ? `**${at.path}** — ${seg.description} (HL7 v${version})`
        : `**${at.path}** — not defined in HL7 v${version}`;
      return { markdown, start: at.segment.start, end: at.segment.start + at.segment.name.length };
    }
    const r = resolvePath(dict, path, declared, new Set());
    const markdown = r.error ? `**${at.path}** — ${r.error.message}` : describePath(at.path, r);
    return { markdown, start: node.start, end: node.end };
  }

  problems(validate?: Hl7Validator, dict?: Hl7Dictionary): FileProblem[] {
    const out: FileProblem[] = this.tree.issues.map((i) => ({
      code: i.code,
      severity: "warning",
      message: i.message,
      location: this.span(i.start, i.end),
    }));
    if (validate)
      for (const m of this.messages)
        for (const p of validate(m, dict?.resolveVersion(m.version) ?? m.version ?? ""))
          out.push({
            code: p.code,
            severity: "error",
            message: p.message,
            location: this.span(p.start, p.end),
          });
    return out;
  }
}

function trimEnd(text: string, end: number): number {
  while (end > 0 && (text[end - 1] === "\r" || text[end - 1] === "\n")) end--;
  return end;
}
