/**
 * The audit log's hash chain. Each entry's hash is SHA-256 over the previous entry's hash
 * and the canonical form of the entry, so editing, deleting, inserting or reordering any
 * entry breaks every hash after it. A separate head record (last seq + hash) catches
 * truncation of the tail, which a chain alone cannot see.
 *
 * Limit, stated plainly: an attacker who can write the database file can recompute the whole
 * chain. Operators who need that covered record `head.hash` somewhere else (a ticket, a log
 * shipper) and compare later.
 */
import { createHash } from "node:crypto";

export const GENESIS_HASH = "0".repeat(64);

/** What a caller asks to record. */
export interface AuditDraft {
  actor: string;
  action: string;
  target?: string | undefined;
  details?: Readonly<Record<string, unknown>> | undefined;
}

/** A stored entry. `details` is the exact canonical JSON text that was hashed. */
export interface AuditEntry {
  seq: number;
  /** ISO-8601 UTC with milliseconds. */
  time: string;
  actor: string;
  action: string;
  target: string | null;
  details: string;
  prevHash: string;
  hash: string;
}

export interface AuditHead {
  seq: number;
  hash: string;
}

/** JSON with object keys sorted at every level, so equal details always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

export function entryHash(entry: Omit<AuditEntry, "hash">): string {
  // A JSON array is unambiguous: no field can bleed into its neighbour.
  const canonical = JSON.stringify([
    entry.seq,
    entry.time,
    entry.actor,
    entry.action,
    entry.target,
    entry.details,
  ]);
  return createHash("sha256").update(entry.prevHash).update("\n").update(canonical).digest("hex");
}

/** The next entry after `head`, sealed with its hash. */
export function sealEntry(head: AuditHead, draft: AuditDraft, now: number): AuditEntry {
  const unsealed = {
    seq: head.seq + 1,
    time: new Date(now).toISOString(),
    actor: draft.actor,
    action: draft.action,
    target: draft.target ?? null,
    details: canonicalJson(draft.details ?? {}),
    prevHash: head.hash,
  };
  return { ...unsealed, hash: entryHash(unsealed) };
}

export interface AuditVerification {
  ok: boolean;
  /** Entries read. */
  entries: number;
  /** The first sequence number that is missing, altered or out of place. */
  firstBad?: number;
  /** Human-readable reason for `firstBad`. */
  reason?: string;
  /** The last good link, for anchoring outside the database. */
  head: AuditHead;
}

/**
 * Walks entries in storage order (ascending seq) and checks numbering, links and hashes,
 * then the stored head. Streams: `entries` may be a lazy iterator over millions of rows.
 */
export function verifyChain(
  entries: Iterable<AuditEntry>,
  storedHead: AuditHead | undefined,
): AuditVerification {
  let last: AuditHead = { seq: 0, hash: GENESIS_HASH };
  let count = 0;
  const fail = (firstBad: number, reason: string): AuditVerification => ({
    ok: false,
    entries: count,
    firstBad,
    reason,
    head: last,
  });
  for (const entry of entries) {
    count++;
    const expected = last.seq + 1;
    if (entry.seq !== expected) {
      return entry.seq > expected
        ? fail(expected, `entry ${expected} is missing (found ${entry.seq} after ${last.seq})`)
        : fail(entry.seq, `entry ${entry.seq} is out of order (after ${last.seq})`);
    }
    if (entry.prevHash !== last.hash) {
      return fail(
        entry.seq,
        `entry ${entry.seq} does not link to entry ${last.seq} (one of them was rewritten, or entries between them were removed or reordered)`,
      );
    }
    if (entryHash(entry) !== entry.hash) {
      return fail(entry.seq, `entry ${entry.seq} was altered (hash mismatch)`);
    }
    last = { seq: entry.seq, hash: entry.hash };
  }
  if (!storedHead) {
    return fail(1, "the audit head record is missing");
  }
  if (storedHead.seq > last.seq) {
    return fail(last.seq + 1, `entries ${last.seq + 1}..${storedHead.seq} are missing (log truncated)`);
  }
  if (storedHead.seq < last.seq) {
    return fail(storedHead.seq + 1, `entries after ${storedHead.seq} were added outside the audit writer`);
  }
  if (storedHead.hash !== last.hash) {
    return fail(last.seq, `entry ${last.seq} does not match the audit head`);
  }
  return { ok: true, entries: count, head: last };
}
