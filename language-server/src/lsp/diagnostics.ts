/**
 * The diagnostics scheduler (the scheduling half of rust-analyzer's `main_loop`): per config dir a
 * debounced pass computes problems from the current model and publishes what changed. Every edit bumps
 * the model's revision; a pass yields between the costly type checks and stops when it sees the
 * revision move — the edit already scheduled the next pass. `.hl7` buffers have their own debounce.
 */
import { type Problem, sortProblems } from "messagefoundry/graph";
import type { Diagnostic, PublishDiagnosticsParams } from "vscode-languageserver";
import { roleOf } from "../core/index.js";
import { toDiagnostic } from "./convert.js";
import { type Project, relIn, type ServerState } from "./state.js";

/** The debounce between a keystroke and recomputed diagnostics unless settings say otherwise, in ms. */
export const DEFAULT_DELAY_MS = 30;

/** What was published for one project. */
interface Book {
  /** Last diagnostics sent per config-relative file, as JSON, to send only what changed. */
  published: Map<string, string>;
  /** Files edited since the last pass: always republished so the client sees a fresh answer. */
  touched: Set<string>;
  timer?: NodeJS.Timeout | undefined;
}

export const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

export class DiagnosticsScheduler {
  private readonly books = new Map<Project, Book>();
  private readonly messageFileTimers = new Map<string, NodeJS.Timeout>();
  private readonly messageFilesPublished = new Set<string>();

  constructor(
    private readonly state: ServerState,
    private readonly send: (params: PublishDiagnosticsParams) => void,
    private readonly logError: (message: string) => void,
  ) {}

  private book(p: Project): Book {
    let b = this.books.get(p);
    if (!b) {
      b = { published: new Map(), touched: new Set() };
      this.books.set(p, b);
    }
    return b;
  }

  /** Marks a file as edited: the next pass republishes it even when its diagnostics did not change. */
  touch(p: Project, rel: string): void {
    this.book(p).touched.add(rel);
  }

  /** (Re)starts the project's debounce; the pass runs `delay` ms after the last call. */
  schedule(p: Project, delay: number): void {
    const b = this.book(p);
    if (b.timer) clearTimeout(b.timer);
    b.timer = setTimeout(() => {
      b.timer = undefined;
      this.publish(p).catch((e) => this.logError(`diagnostics failed: ${(e as Error).stack ?? e}`));
    }, delay);
  }

  /** A project left the workspace: clear what it published and stop its pending pass. */
  forget(p: Project): void {
    const b = this.books.get(p);
    if (!b) return;
    if (b.timer) clearTimeout(b.timer);
    for (const file of b.published.keys()) this.send({ uri: this.state.uriOf(p, file), diagnostics: [] });
    this.books.delete(p);
  }

  /** One pass: graph problems for every file, type errors for open modules, then publish the changes. */
  async publish(p: Project): Promise<void> {
    const b = this.book(p);
    const rev = p.model.revision;
    const byFile = new Map<string, Problem[]>();
    for (const [file, list] of p.model.analysis().problems()) byFile.set(file, [...list]);
    const touched = new Set(b.touched);
    for (const doc of this.state.documents.all()) {
      const rel = relIn(p.root, doc.uri);
      if (rel === undefined) continue;
      const role = roleOf(rel);
      if (role !== "module" && role !== "helper") continue;
      await yieldToLoop(); // let newer edits in; they cancel this pass
      if (this.stale(p, b, rev)) return;
      const errs = p.model.typeErrors(rel);
      if (errs.length) byFile.set(rel, sortProblems([...(byFile.get(rel) ?? []), ...errs]));
    }
    if (this.stale(p, b, rev)) return;
    b.touched.clear();
    const files = new Set([...byFile.keys(), ...b.published.keys(), ...touched]);
    for (const file of files) {
      const uri = this.state.uriOf(p, file);
      const diagnostics: Diagnostic[] = (byFile.get(file) ?? []).map((d) =>
        toDiagnostic(d, (f) => this.state.uriOf(p, f)),
      );
      const json = JSON.stringify(diagnostics);
      if (b.published.get(file) === json && !touched.has(file)) continue;
      if (diagnostics.length) b.published.set(file, json);
      else b.published.delete(file);
      const doc = this.state.documents.get(uri);
      this.send({ uri, diagnostics, ...(doc ? { version: doc.version } : {}) });
    }
  }

  /** An edit moved the revision (the next pass is scheduled) or the project left the workspace. */
  private stale(p: Project, b: Book, rev: number): boolean {
    return p.model.revision !== rev || this.books.get(p) !== b;
  }

  /** Debounces the strict HL7 check of an open `.hl7` buffer. */
  scheduleMessageFile(uri: string, delay: number): void {
    clearTimeout(this.messageFileTimers.get(uri));
    this.messageFileTimers.set(
      uri,
      setTimeout(() => this.publishMessageFile(uri), delay),
    );
  }

  private publishMessageFile(uri: string): void {
    const f = this.state.messageFileOf(uri);
    if (!f) return;
    const diagnostics = f
      .problems(this.state.validate, this.state.dict)
      .map((p) => toDiagnostic(p as Problem, () => uri));
    this.messageFilesPublished.add(uri);
    const version = this.state.documents.get(uri)?.version;
    this.send({ uri, diagnostics, ...(version !== undefined ? { version } : {}) });
  }

  /** A message file's buffer closed: clear its diagnostics. */
  closeMessageFile(uri: string): void {
    if (this.messageFilesPublished.delete(uri)) this.send({ uri, diagnostics: [] });
  }

  dispose(): void {
    for (const b of this.books.values()) if (b.timer) clearTimeout(b.timer);
    for (const t of this.messageFileTimers.values()) clearTimeout(t);
  }
}
