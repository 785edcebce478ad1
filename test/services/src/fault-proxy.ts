/**
 * A TCP proxy on 127.0.0.1 in front of a real server, for "the server goes away and comes back" tests
 * without stopping a server the machine runs: `cut()` drops every open connection and refuses new ones
 * (accepted, then reset at once), `restore()` lets them through again.
 */
import { connect, createServer, type Socket } from "node:net";

export interface FaultProxy {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** Whether connections pass (false between cut and restore). */
  readonly up: boolean;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function faultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const live = new Set<Socket>();
  let up = true;
  const server = createServer((client) => {
    if (!up) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      live.add(socket);
      socket.on("close", () => live.delete(socket));
      socket.on("error", () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    host: "127.0.0.1",
    port,
    get up() {
      return up;
    },
    cut() {
      up = false;
      for (const socket of live) socket.resetAndDestroy();
    },
    restore() {
      up = true;
    },
    async close() {
      up = false;
      for (const socket of live) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
