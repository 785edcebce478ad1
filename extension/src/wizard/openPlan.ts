/**
 * How a wizard shows a file it wrote: in the tab that already shows it (text or visual editor), else
 * connections.toml in its visual editor and anything else as text. One file, one tab: opening
 * connections.toml as text beside its open visual editor (or the other way round) gave two tabs of the
 * same document. Pure, so the rule is tested without VS Code.
 */

/** The custom editor VS Code opens connections.toml with by default (package.json customEditors). */
export const CONNECTIONS_EDITOR_VIEW_TYPE = "messagefoundry.connectionsEditor";

/** An open tab, reduced to what decides how to reveal a file. */
export type OpenTab = { uri: string; kind: "text" } | { uri: string; kind: "custom"; viewType: string };

export type OpenAction = { kind: "text" } | { kind: "openWith"; viewType: string };

export function howToOpen(uri: string, tabs: readonly OpenTab[]): OpenAction {
  const open = tabs.find((t) => t.uri === uri);
  if (open) return open.kind === "text" ? { kind: "text" } : { kind: "openWith", viewType: open.viewType };
  return /(^|[/\\])connections\.toml$/.test(uri)
    ? { kind: "openWith", viewType: CONNECTIONS_EDITOR_VIEW_TYPE }
    : { kind: "text" };
}
