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
 * Walks entries in storage order (ascending seq) one at a time — numbering, links and hashes — then
 * checks the stored head. Streams: the caller feeds a long log page by page.
 */
export class ChainWalker {
  #last: AuditHead = { seq: 0, hash: GENESIS_HASH };
  #count = 0;
  #failure: AuditVerification | undefined;

  #fail(firstBad: number, reason: string): AuditVerification {
    this.#failure = { ok: false, entries: this.#count, firstBad, reason, head: this.#last };
    return this.#failure;
  }

  /** Checks the next entry; false once the chain is broken (then {@link result} says where). */
  add(entry: AuditEntry): boolean {
    if (this.#failure) return false;
    this.#count++;
    const last = this.#last;
    const expected = last.seq + 1;
    if (entry.seq !== expected) {
      if (entry.seq > expected)
        this.#fail(expected, `entry ${expected} is missing (found ${entry.seq} after ${last.seq})`);
      else this.#fail(entry.seq, `entry ${entry.seq} is out of order (after ${last.seq})`);
      return false;
    }
    if (entry.prevHash !== last.hash) {
      this.#fail(
        entry.seq,
        `entry ${entry.seq} does not link to entry ${last.seq} (one of them was rewritten, or entries between them were removed or reordered)`,
      );
      return false;
    }
    if (entryHash(entry) !== entry.hash) {
      this.#fail(entry.seq, `entry ${entry.seq} was altered (hash mismatch)`);
      return false;
    }
    this.#last = { seq: entry.seq, hash: entry.hash };
    return true;
  }

  /** The failure so far, or success over the entries added (without the head check). */
  result(): AuditVerification {
    return this.#failure ?? { ok: true, entries: this.#count, head: this.#last };
  }

  /** The verdict after the last entry, checking the stored head against it. */
  finish(storedHead: AuditHead | undefined): AuditVerification {
    if (this.#failure) return this.#failure;
    const last = this.#last;
    if (!storedHead) return this.#fail(1, "the audit head record is missing");
    if (storedHead.seq > last.seq) {
      return this.#fail(
        last.seq + 1,
        `entries ${last.seq + 1}..${storedHead.seq} are missing (log truncated)`,
      );
    }
    if (storedHead.seq < last.seq) {
      return this.#fail(
        storedHead.seq + 1,
        `entries after ${storedHead.seq} were added outside the audit writer`,
      );
    }
    if (storedHead.hash !== last.hash)
      return this.#fail(last.seq, `entry ${last.seq} does not match the audit head`);
    return this.result();
  }
}

/** Checks a whole chain (see {@link ChainWalker}). */
export function verifyChain(
  entries: Iterable<AuditEntry>,
  storedHead: AuditHead | undefined,
): AuditVerification {
  const walker = new ChainWalker();
  for (const entry of entries) if (!walker.add(entry)) return walker.result();
  return walker.finish(storedHead);
}
