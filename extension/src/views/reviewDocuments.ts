/**
 * The review's per-file diffs: the active version's file and the staged one as read-only virtual
 * documents (`messagefoundry-review:` URIs, served from memory — nothing is written to disk), opened
 * side by side in VS Code's diff editor.
 */
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";

export const REVIEW_SCHEME = "messagefoundry-review";

/** Contents by URI path, shared by every review (one provider for the scheme). */
const contents = new Map<string, string>();

/** Serves the review documents; registered once at activation. */
export function registerReviewDocuments(): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(REVIEW_SCHEME, {
    provideTextDocumentContent: (uri) => contents.get(uri.path) ?? "",
  });
}

export class ReviewDocuments implements vscode.Disposable {
  /** Per review, so two reviews (or a review and a later one) never show each other's files. */
  private readonly id = randomBytes(6).toString("hex");
  private paths: string[] = [];

  /** The active version's files and the staged ones (config-relative, forward slashes). */
  set(active: Record<string, string>, staged: Record<string, string>): void {
    this.clear();
    for (const [side, files] of [
      ["active", active],
      ["staged", staged],
    ] as const) {
      for (const [path, text] of Object.entries(files)) {
        const key = this.key(side, path);
        contents.set(key, text);
        this.paths.push(key);
      }
    }
  }

  /**
   * `lab.ts` → `/<id>/lab (active).ts`: the side in the name keeps the language (by extension) but
   * not the file name, so `connections.toml` opens as text in the diff, not in its form editor.
   */
  private key(side: "active" | "staged", path: string): string {
    const slash = path.lastIndexOf("/");
    const dir = path.slice(0, slash + 1);
    const base = path.slice(slash + 1);
    const dot = base.lastIndexOf(".");
    const named = dot > 0 ? `${base.slice(0, dot)} (${side})${base.slice(dot)}` : `${base} (${side})`;
    return `/${this.id}/${dir}${named}`;
  }

  uri(side: "active" | "staged", path: string): vscode.Uri {
    return vscode.Uri.from({ scheme: REVIEW_SCHEME, path: this.key(side, path) });
  }

  /** Opens `path` in the diff editor: the active version on the left, the staged file on the right. */
  async open(path: string, activeVersion: string): Promise<void> {
    await vscode.commands.executeCommand(
      "vscode.diff",
      this.uri("active", path),
      this.uri("staged", path),
      `${path} (${activeVersion} ↔ staged)`,
      { preview: true },
    );
  }

  private clear(): void {
    for (const p of this.paths) contents.delete(p);
    this.paths = [];
  }

  dispose(): void {
    this.clear();
  }
}
