/** The end-of-test ledger of the load tests: every message in a store, checked for a final disposition. */
import assert from "node:assert/strict";
import { FINAL_DISPOSITIONS, type MessageSummary, type Store } from "../../src/store/index.js";

/** Every message of `store` (paged), asserting each ended in a final disposition; by control id. */
export async function finalMessages(store: Store): Promise<Map<string, MessageSummary[]>> {
  const byControlId = new Map<string, MessageSummary[]>();
  for (let before: number | undefined; ; ) {
    const page = await store.listMessages({
      limit: 500,
      ...(before !== undefined ? { beforeId: before } : {}),
    });
    if (page.length === 0) break;
    for (const m of page) {
      assert.ok(FINAL_DISPOSITIONS.has(m.disposition), `message ${m.id} ends ${m.disposition}`);
      const key = m.controlId ?? "";
      byControlId.set(key, [...(byControlId.get(key) ?? []), m]);
    }
    before = page[page.length - 1]?.id;
  }
  return byControlId;
}

/**
 * Whether every message of `store` has reached a final disposition — also those committed but not
 * ACKed when an engine died (their sender never learnt of them, so no sink tally waits for them).
 */
export async function allFinal(store: Store): Promise<boolean> {
  for (let before: number | undefined; ; ) {
    const page = await store.listMessages({
      limit: 500,
      ...(before !== undefined ? { beforeId: before } : {}),
    });
    if (page.length === 0) return true;
    if (page.some((m) => !FINAL_DISPOSITIONS.has(m.disposition))) return false;
    before = page[page.length - 1]?.id;
  }
}

/** Whether every id in `owed` was seen by one of the sinks. */
export function allDelivered(owed: readonly string[], sinks: readonly { ids: string[] }[]): boolean {
  const seen = new Set(sinks.flatMap((s) => s.ids));
  return owed.every((id) => seen.has(id));
}
