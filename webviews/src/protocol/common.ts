/**
 * Shared pieces of the host ↔ view protocol. Pure TypeScript (no DOM, no vscode): compiled by both the
 * extension host and the webview bundles.
 *
 * Conventions every view follows:
 * - the view posts `{ type: "ready" }` once its script has run; the host sends nothing before that
 *   (messages posted to a webview that has not loaded yet are lost);
 * - the host re-sends the full model after `ready`, so a view revived from `getState` never shows stale data;
 * - every message is a plain JSON object with a literal `type` tag.
 */

/** The bundles built from webviews/src/views/<id>/main.ts (dist/webviews/<id>.js and .css). */
export const VIEW_IDS = [
  "parseTree",
  "testBench",
  "connectionsEditor",
  "codeSetEditor",
  "graph",
  "promote",
  "steps",
  "loadTest",
  "teeCompare",
] as const;
export type ViewId = (typeof VIEW_IDS)[number];

/** A half-open character range [start, end) in a document (UTF-16 offsets, as VS Code's offsetAt). */
export interface OffsetRange {
  start: number;
  end: number;
}

/** Sent by every view once its script is running. */
export interface ReadyMessage {
  type: "ready";
}

/** Host → view: show a problem the host ran into (a failed CLI run, an unreadable file). */
export interface HostErrorMessage {
  type: "hostError";
  message: string;
}

/** Anything with a literal `type` tag; used by the guards below. */
export interface Tagged {
  type: string;
}

/** True for a JSON object carrying a string `type` tag (what `onDidReceiveMessage` hands over is unknown). */
export function isTagged(value: unknown): value is Tagged {
  return (
    typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string"
  );
}
