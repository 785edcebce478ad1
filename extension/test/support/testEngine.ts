/**
 * A small engine stand-in speaking the documented API over a real socket (node:http + ws), for the
 * client and promote tests. It keeps just enough state to make the flows observable: one user, issued
 * tokens, staged bundles, the active version and its history, and a recorded log of requests.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Problem } from "messagefoundry/graph";
import { WebSocketServer } from "ws";

export interface TestEngine {
  url: string;
  /** Every request as `METHOD /path` with its parsed JSON body. */
  requests: { method: string; path: string; body: unknown; auth: string | undefined }[];
  staged: Map<string, Record<string, string>>;
  active: { versionId: string; promotedBy: string };
  history: { versionId: string; promotedBy: string }[];
  /** Problems the next stage returns (the test sets them). */
  stageProblems: Problem[];
  revokeAll(): void;
  close(): Promise<void>;
}

const USER = { username: "deployer", password: "correct horse", totp: "123456" };

export async function startTestEngine(): Promise<TestEngine> {
  const tokens = new Set<string>();
  let nextId = 1;
  const engine: Omit<TestEngine, "url" | "close"> = {
    requests: [],
    staged: new Map(),
    active: { versionId: "v1", promotedBy: "bootstrap" },
    history: [{ versionId: "v1", promotedBy: "bootstrap" }],
    stageProblems: [],
    revokeAll: () => tokens.clear(),
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, status: number, code: string, message: string) =>
    send(res, status, { error: { code, message } });
  const authed = (req: IncomingMessage) => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    return m !== null && tokens.has(m[1]!);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const body: unknown = text ? JSON.parse(text) : undefined;
    const url = new URL(req.url ?? "/", "http://x");
    const route = `${req.method} ${url.pathname}`;
    engine.requests.push({
      method: req.method ?? "",
      path: url.pathname + url.search,
      body,
      auth: req.headers.authorization,
    });

    if (route === "GET /health") return send(res, 200, { status: "ok" });
    if (route === "POST /auth/login") {
      const b = body as { username?: string; password?: string; totp?: string };
      if (b.username !== USER.username || b.password !== USER.password) {
        return fail(res, 401, "AUTH_INVALID", "Wrong username or password.");
      }
      if (b.totp !== USER.totp) return fail(res, 401, "AUTH_MFA_REQUIRED", "A TOTP code is required.");
      const token = `tok-${nextId++}`;
      tokens.add(token);
      return send(res, 200, { token, expiresAt: "2099-01-01T00:00:00Z" });
    }
    if (!authed(req)) return fail(res, 401, "AUTH_REQUIRED", "Sign in first.");

    if (route === "GET /connections") {
      return send(res, 200, [
        { name: "IB_TEST_ADT", direction: "inbound", state: "running", counts: { received: 3 } },
      ]);
    }
    if (route === "GET /messages") {
      const items = [{ id: "m1", connection: url.searchParams.get("connection") ?? "IB_TEST_ADT" }];
      return send(res, 200, { items, nextCursor: null });
    }
    if (route === "GET /messages/m1/raw") {
      res.writeHead(200, { "content-type": "text/plain" });
      return res.end("MSH|^~\\&|TEST|TEST|||20260101||ADT^A01|1|P|2.5\rPID|1||123||TEST^PATIENT\r");
    }
    if (route === "POST /messages/m1/replay") return send(res, 202, { replayed: "m1" });
    if (route === "GET /dead-letters") return send(res, 200, []);
    if (route === "GET /config/active") return send(res, 200, engine.active);
    if (route === "GET /config/history") return send(res, 200, engine.history);
    if (route === "POST /config/stage") {
      const files = (body as { files?: Record<string, string> }).files;
      if (!files || typeof files !== "object") return fail(res, 400, "BAD_REQUEST", "files is required.");
      const stageId = `s${nextId++}`;
      engine.staged.set(stageId, files);
      return send(res, 200, {
        stageId,
        problems: engine.stageProblems,
        summary: { added: Object.keys(files).filter((f) => f.endsWith(".ts")), removed: [], changed: [] },
      });
    }
    if (route === "POST /config/promote") {
      const { stageId } = body as { stageId: string };
      if (!engine.staged.has(stageId))
        return fail(res, 404, "STAGE_NOT_FOUND", `No staged bundle ${stageId}.`);
      engine.active = { versionId: `v${engine.history.length + 1}`, promotedBy: USER.username };
      engine.history.push(engine.active);
      return send(res, 200, engine.active);
    }
    if (route === "POST /config/rollback") {
      const { versionId } = body as { versionId: string };
      const found = engine.history.find((h) => h.versionId === versionId);
      if (!found) return fail(res, 404, "VERSION_NOT_FOUND", `No version ${versionId}.`);
      engine.active = found;
      return send(res, 200, found);
    }
    return fail(res, 404, "NOT_FOUND", `No route ${route}.`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => fail(res, 500, "INTERNAL", String(err)));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    if (req.url !== "/ws/stats" || !authed(req)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      let n = 0;
      const tick = () =>
        ws.send(JSON.stringify({ connections: [{ name: "IB_TEST_ADT", counts: { received: ++n } }] }));
      tick();
      const timer = setInterval(tick, 20);
      ws.on("close", () => clearInterval(timer));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  // The same object the handlers read, so a test can change stageProblems between calls.
  return Object.assign(engine, {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

export const TEST_USER = USER;
