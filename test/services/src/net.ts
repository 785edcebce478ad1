/** Small helpers for the servers the test services start: a free port, waiting until one listens. */
import { connect, createServer } from "node:net";

/**
 * Ports this process has handed out. The kernel may give a port it just released to the very next
 * listen(0), so two calls in a row (a config naming three listeners) could name the same port: a port
 * is never handed out twice.
 */
const handedOut = new Set<number>();

/** A loopback port free right now and not handed out before by this process (configs name ports up front). */
export async function freePort(): Promise<number> {
  for (;;) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

/** Resolves once 127.0.0.1:`port` accepts a connection; rejects after `ms` or when `failed()` says why. */
export async function waitForPort(port: number, ms: number, failed: () => string | undefined): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    const why = failed();
    if (why !== undefined) throw new Error(why);
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
