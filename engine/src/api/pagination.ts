/**
 * Opaque cursors over keyset pages (newest first, ids strictly below the last one seen). Opaque so
 * the key can change without breaking clients; versioned so an old cursor fails clearly.
 */
import { ApiError } from "./errors.js";

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;
/** Stored rows one filtered request reads at most (see scanPage). */
export const SCAN_BUDGET = 5000;

export function encodeCursor(beforeId: number): string {
  return Buffer.from(`v1:${beforeId}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const m = /^v1:(\d{1,15})$/.exec(text);
  if (!m?.[1])
    throw new ApiError("INVALID_CURSOR", "cursor is not one this API returned; start again without it");
  return Number(m[1]);
}

/**
 * Runs a keyset query for one page. Asks for one row more than the limit so the next cursor is
 * only offered when another page exists.
 */
export async function page<T extends { id: number }>(
  cursor: string | undefined,
  limit: number | undefined,
  fetch: (req: { before?: number; limit: number }) => Promise<T[]>,
): Promise<{ items: T[]; nextCursor: string | null }> {
  const before = decodeCursor(cursor);
  const size = Math.max(1, Math.min(MAX_PAGE, limit ?? DEFAULT_PAGE));
  const rows = await fetch(before === undefined ? { limit: size + 1 } : { before, limit: size + 1 });
  const items = rows.slice(0, size);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > size && last ? encodeCursor(last.id) : null };
}

/**
 * A page of the rows `keep` accepts, for a filter the store cannot apply (the free-text search over
 * list columns). Reads keyset batches newest first until `limit` rows matched or `budget` rows were
 * read, so one request stays bounded: a page may then hold fewer than `limit` items and still offer
 * a nextCursor (the last row read), and the caller pages on. nextCursor is null once the store is
 * exhausted.
 */
export async function scanPage<T extends { id: number }>(
  cursor: string | undefined,
  limit: number | undefined,
  fetch: (req: { before?: number; limit: number }) => Promise<T[]>,
  keep: (row: T) => boolean,
  budget = SCAN_BUDGET,
): Promise<{ items: T[]; nextCursor: string | null }> {
  let before = decodeCursor(cursor);
  const size = Math.max(1, Math.min(MAX_PAGE, limit ?? DEFAULT_PAGE));
  const items: T[] = [];
  let read = 0;
  while (read < budget) {
    const batch = Math.min(MAX_PAGE, budget - read);
    const rows = await fetch(before === undefined ? { limit: batch } : { before, limit: batch });
    for (const row of rows) {
      read++;
      before = row.id;
      if (keep(row)) items.push(row);
      if (items.length === size) return { items, nextCursor: encodeCursor(row.id) };
    }
    if (rows.length < batch) return { items, nextCursor: null };
  }
  return { items, nextCursor: before === undefined ? null : encodeCursor(before) };
}
