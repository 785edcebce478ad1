/**
 * Find Messages: a filter line (free text and/or key=value) → the engine's message list, newest first,
 * paged with the engine's cursor ("Load more…" fetches the next page into the same list). Only list
 * columns are searched; a message's body is fetched (and audited by the engine) only when opened.
 */
import type { MessageSummary } from "messagefoundry/api";
import * as vscode from "vscode";
import type { EngineClient } from "../engine/client.js";
import { type FoundRow, fetchPage, foundRows, parseFind } from "../engine/query.js";

export async function findMessages(deps: {
  client: EngineClient;
  /** Runs an engine call, reporting failures (undefined when it failed). */
  guarded: <T>(work: () => Promise<T>) => Promise<T | undefined>;
  open: (id: number) => Promise<void>;
}): Promise<void> {
  const typed = await vscode.window.showInputBox({
    title: "Find messages",
    prompt:
      "Free text (a part of the control id, message type, inbound or disposition; never the message body), and/or connection=IB_X type=ADT^A01 disposition=ERROR controlId=123 — or a patient: identifier=MRN123 (exact value of an indexed field; audited)",
    ignoreFocusOut: true,
  });
  if (typed === undefined) return;
  const spec = parseFind(typed);
  const first = await deps.guarded(() => fetchPage(deps.client, spec));
  if (!first) return;
  const found: MessageSummary[] = [...first.items];
  let cursor = first.nextCursor;

  const qp = vscode.window.createQuickPick<vscode.QuickPickItem & FoundRow>();
  qp.title = typed.trim() === "" ? "Messages" : `Messages matching “${typed.trim()}”`;
  qp.matchOnDescription = true;
  qp.ignoreFocusOut = true;
  const show = () => {
    qp.items = foundRows(found, cursor !== null);
    qp.placeholder = `${found.length} message(s)${cursor !== null ? ", more on the engine" : ""} — type to narrow, Enter opens`;
  };
  show();
  const chosen = await new Promise<number | undefined>((resolve) => {
    qp.onDidAccept(async () => {
      const row = qp.activeItems[0];
      if (!row) return;
      if (row.id !== "more") {
        resolve(row.id);
        qp.hide();
        return;
      }
      if (cursor === null) return;
      qp.busy = true;
      const next = await deps.guarded(() => fetchPage(deps.client, spec, cursor ?? undefined));
      qp.busy = false;
      if (!next) return;
      found.push(...next.items);
      cursor = next.nextCursor;
      show();
      // Keep the reader where the new rows start.
      const firstNew = qp.items[found.length - next.items.length];
      if (firstNew) qp.activeItems = [firstNew];
    });
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  });
  qp.dispose();
  if (chosen !== undefined) await deps.open(chosen);
}
