/**
 * What a scenario reads back from the engine: a control id's disposition and an outbound's dead
 * letters — from an engine started in-process (its services, as the API would answer), or from a
 * running engine's API with a bearer token (MEFOR_API_TOKEN).
 */
import type { Engine } from "../runtime/index.js";
import { engineServices } from "../runtime/index.js";

export interface EngineView {
  /** The newest run's disposition of the message with this MSH-10 (undefined: not received). */
  disposition(controlId: string): Promise<string | undefined>;
  deadLetters(connection: string): Promise<number>;
}

const PAGE = 500;

export function inProcessView(engine: Engine): EngineView {
  const messages = engineServices(engine).messages;
  return {
    async disposition(controlId) {
      const [m] = await messages.list({ controlId }, { limit: 1 });
      return m?.disposition;
    },
    async deadLetters(connection) {
      let n = 0;
      let before: number | undefined;
      for (;;) {
        const rows = await messages.deadLetters(
          { connection },
          before === undefined ? { limit: PAGE } : { before, limit: PAGE },
        );
        n += rows.length;
        if (rows.length < PAGE) return n;
        before = rows[rows.length - 1]?.id;
      }
    },
  };
}

interface Page {
  items: { disposition?: string }[];
  nextCursor: string | null;
}

export function apiView(base: string, token: string | undefined): EngineView {
  const root = base.replace(/\/+$/, "");
  const get = async (path: string): Promise<Page> => {
    const res = await fetch(`${root}${path}`, {
      headers: { accept: "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok)
      throw new Error(`GET ${path}: HTTP ${res.status}${res.status === 401 ? " (set MEFOR_API_TOKEN)" : ""}`);
    return (await res.json()) as Page;
  };
  return {
    async disposition(controlId) {
      const page = await get(`/messages?controlId=${encodeURIComponent(controlId)}&limit=1`);
      return page.items[0]?.disposition;
    },
    async deadLetters(connection) {
      let n = 0;
      let cursor: string | null = null;
      do {
        const page: Page = await get(
          `/dead-letters?connection=${encodeURIComponent(connection)}&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        );
        n += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
      return n;
    },
  };
}
