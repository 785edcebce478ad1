/**
 * A floating VIP for the cluster tests: a TCP proxy on 127.0.0.1 that forwards to whichever node the
 * test's health check says is the primary (`moveTo`), and — like a VIP moving to another host —
 * breaks the connections it had to the previous one, so senders reconnect. Without a target it
 * refuses connections (no primary).
 */
import { connect, createServer, type Socket } from "node:net";

export interface Vip {
  readonly port: number;
  moveTo(target: { host: string; port: number } | undefined): void;
  close(): Promise<void>;
}

export async function vipProxy(): Promise<Vip> {
  let target: { host: string; port: number } | undefined;
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    client.on("error", () => undefined);
    if (!target) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    upstream.on("error", () => client.destroy());
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end);
    upstream.on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    moveTo(next) {
      target = next;
      for (const [c, u] of pairs) {
        c.destroy();
        u.destroy();
      }
      pairs.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        target = undefined;
        for (const [c, u] of pairs) {
          c.destroy();
          u.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
