/** Shared fixtures for the store and pipeline tests: a real SQLite file in a temp dir, synthetic HL7. */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  aesGcmCodec,
  type BodyCodec,
  type ClaimedRow,
  makeStoreKey,
  openSqliteStore,
  type SqliteStore,
} from "../../src/store/index.js";

export interface TempStore {
  dir: string;
  path: string;
  codec: BodyCodec;
  store: SqliteStore;
  /** Closes (if open) and opens the same file again, e.g. after a simulated crash. */
  reopen(): SqliteStore;
  cleanup(): Promise<void>;
}

export function tempStore(codec: BodyCodec = aesGcmCodec(makeStoreKey(randomBytes(32)))): TempStore {
  const dir = mkdtempSync(join(tmpdir(), "mefor-store-"));
  const path = join(dir, "store.db");
  const t: TempStore = {
    dir,
    path,
    codec,
    store: openSqliteStore({ path, codec }),
    reopen() {
      if (t.store.db.open) t.store.db.close();
      t.store = openSqliteStore({ path, codec: t.codec });
      return t.store;
    },
    async cleanup() {
      if (t.store.db.open) await t.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

/** A synthetic ADT message (invented patient TEST^PATIENT). */
export function adt(
  controlId: string,
  opts: { trigger?: string; family?: string; charset?: string } = {},
): string {
  return [
    `MSH|^~\\&|SENDAPP|SENDFAC|RECVAPP|RECVFAC|20260101120000||ADT^${opts.trigger ?? "A01"}|${controlId}|P|2.5${
      opts.charset ? `||||||${opts.charset}` : ""
    }`,
    "EVN|A01|20260101120000",
    `PID|1||MRN${controlId}^^^HOSP^MR||${opts.family ?? "TEST"}^PATIENT||19800101|F`,
    "PV1|1|I|WARD^101^A",
  ].join("\r");
}

export const buf = (s: string): Buffer => Buffer.from(s, "latin1");

/** A synthetic row as a claim or a store handoff gives it to a worker (message id = row id, control id C<id>). */
export function claimedRow(rowId: number, where: Pick<ClaimedRow, "stage" | "conn">): ClaimedRow {
  return {
    rowId,
    messageId: rowId,
    stage: where.stage,
    conn: where.conn,
    handler: "h",
    payload: Buffer.from(`MSH|^~\\&|A|B|||||ADT^A01|C${rowId}|P|2.5.1`),
    attempts: 0,
    inbound: "IB",
    contentType: "hl7v2",
    controlId: `C${rowId}`,
    messageType: "ADT^A01",
    receivedAt: 0,
  };
}

/** Polls `check` until it returns true (real workers run asynchronously). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 5000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for: ${what}`);
}
