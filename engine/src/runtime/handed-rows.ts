/**
 * Handed rows crossing from the main thread to a delivery thread (offload.ts → delivery-thread.ts), as
 * columns: the numbers in one Float64Array, the texts in one array, the payloads back to back in one
 * buffer — both buffers transferred, not copied. Posting row objects cost twice as much per row (the
 * structured clone writes every property name of every row), and a Buffer's clone copies the whole
 * pooled slab it may be a slice of.
 */
import type { ClaimedRow, Stage } from "../store/index.js";

/** Numbers per row: rowId, messageId, attempts, receivedAt, payload length. */
const NUMS = 5;
/** Texts per row: stage, conn, handler, inbound, contentType, controlId, messageType. */
const TEXTS = 7;

export interface HandedRows {
  nums: Float64Array;
  texts: (string | null)[];
  bytes: Uint8Array;
}

/** The rows as posted, and the buffers to transfer with them. */
export function handedRows(rows: readonly ClaimedRow[]): { rows: HandedRows; transfer: ArrayBuffer[] } {
  let size = 0;
  for (const row of rows) size += row.payload.length;
  const bytes = new Uint8Array(size);
  const nums = new Float64Array(rows.length * NUMS);
  const texts: (string | null)[] = [];
  let at = 0;
  let k = 0;
  for (const row of rows) {
    bytes.set(row.payload, at);
    at += row.payload.length;
    nums[k++] = row.rowId;
    nums[k++] = row.messageId;
    nums[k++] = row.attempts;
    nums[k++] = row.receivedAt;
    nums[k++] = row.payload.length;
    texts.push(
      row.stage,
      row.conn,
      row.handler,
      row.inbound,
      row.contentType,
      row.controlId,
      row.messageType,
    );
  }
  return { rows: { nums, texts, bytes }, transfer: [bytes.buffer, nums.buffer] };
}

/** The thread's side: the rows again, payloads as Buffers over the transferred memory (no copy). */
export function receivedRows({ nums, texts, bytes }: HandedRows): ClaimedRow[] {
  const rows: ClaimedRow[] = [];
  let at = 0;
  for (let k = 0, t = 0; k < nums.length; k += NUMS, t += TEXTS) {
    const length = nums[k + 4] as number;
    rows.push({
      rowId: nums[k] as number,
      messageId: nums[k + 1] as number,
      attempts: nums[k + 2] as number,
      receivedAt: nums[k + 3] as number,
      payload: Buffer.from(bytes.buffer, bytes.byteOffset + at, length),
      stage: texts[t] as Stage,
      conn: texts[t + 1] as string,
      handler: texts[t + 2] ?? null,
      inbound: texts[t + 3] as string,
      contentType: texts[t + 4] as string,
      controlId: texts[t + 5] ?? null,
      messageType: texts[t + 6] ?? null,
    });
    at += length;
  }
  return rows;
}
