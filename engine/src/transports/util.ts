/** Small helpers shared by connectors. */

/** Runs tasks one at a time in call order (one in-flight message per connection). */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Resolves when everything queued so far has finished. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}

export { silentLog } from "../log.js";

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Exponential backoff delay for the n-th consecutive failure (n >= 1), capped. */
export function backoffDelay(n: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(n - 1, 30));
}

/** Best guess of a body's media type from its first bytes, for HTTP replies and REST requests. */
export function guessContentType(body: Buffer): string {
  const head = body.subarray(0, 3).toString("latin1");
  if (head === "MSH" || head === "FHS" || head === "BHS") return "x-application/hl7-v2+er7";
  const first = body.subarray(0, 64).toString("latin1").trimStart()[0];
  if (first === "{" || first === "[") return "application/json";
  if (first === "<") return "application/xml";
  return "text/plain; charset=utf-8";
}

export function remoteOf(addr: string | undefined, port: number | undefined): string | undefined {
  if (!addr) return undefined;
  return addr.includes(":") ? `[${addr}]:${port}` : `${addr}:${port}`;
}
