import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:net";
import {
  EngineClient,
  EngineError,
  parseTargets,
  type StatsFrame,
  StatsSocketError,
} from "../src/engine/index.js";
import { startTestEngine, TEST_USER, type TestEngine } from "./support/testEngine.js";

describe("engine client against a real HTTP engine", () => {
  let engine: TestEngine;
  beforeEach(async () => {
    engine = await startTestEngine();
  });
  afterEach(() => engine.close());

  it("reports health without a token", async () => {
    const client = new EngineClient({ url: `${engine.url}/` });
    assert.deepEqual(await client.health(), { status: "ok" });
    assert.equal(engine.requests[0]?.auth, undefined);
  });

  it("signs in with username, password and TOTP and sends the token as a bearer header", async () => {
    const client = new EngineClient({ url: engine.url });
    const token = await client.login(TEST_USER);
    assert.match(token, /^tok-/);
    const conns = await client.connections();
    assert.equal(conns[0]?.name, "IB_TEST_ADT");
    assert.equal(engine.requests.at(-1)?.auth, `Bearer ${token}`);
  });

  it("turns the engine's error body into an EngineError with its code", async () => {
    const client = new EngineClient({ url: engine.url });
    await assert.rejects(client.login({ username: "deployer", password: "nope" }), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.equal(err.code, "AUTH_INVALID");
      assert.equal(err.message, "Wrong username or password.");
      assert.equal(err.needsSignIn, true);
      return true;
    });
    await assert.rejects(client.connections(), { code: "AUTH_REQUIRED", status: 401 });
  });

  it("reports an unreachable engine as UNREACHABLE, not a bare fetch error", async () => {
    const port = await freePort();
    const client = new EngineClient({ url: `http://127.0.0.1:${port}` });
    await assert.rejects(client.health(), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.equal(err.code, "UNREACHABLE");
      assert.equal(err.status, 0);
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      return true;
    });
  });

  it("lists messages with a filter, fetches the raw body and replays", async () => {
    const client = new EngineClient({ url: engine.url });
    await client.login(TEST_USER);
    const page = await client.messages({ connection: "IB_TEST_ADT", limit: 10 });
    assert.equal(page.items[0]?.id, "m1");
    assert.ok(engine.requests.some((r) => r.path === "/messages?connection=IB_TEST_ADT&limit=10"));
    assert.match(await client.rawMessage("m1"), /^MSH\|\^~\\&\|/);
    assert.deepEqual(await client.replay("m1"), { replayed: "m1" });
    assert.deepEqual(await client.deadLetters(), { items: [], nextCursor: null });
  });

  it("streams live counters over /ws/stats with the bearer token", async () => {
    const client = new EngineClient({ url: engine.url });
    await client.login(TEST_USER);
    const frames: StatsFrame[] = [];
    await new Promise<void>((resolve) => {
      const sub = client.subscribeStats((f) => {
        frames.push(f);
        if (frames.length === 2) {
          sub.dispose();
          resolve();
        }
      });
    });
    assert.equal(frames[1]?.connections?.[0]?.counts?.received, 2);
  });

  it("tells the caller when the stats feed refuses the token and does not retry", async () => {
    const client = new EngineClient({ url: engine.url, token: "stale" });
    const err = await new Promise<Error | undefined>((resolve) => {
      client.subscribeStats(
        () => assert.fail("no frame expected"),
        (e) => resolve(e),
      );
    });
    assert.ok(err instanceof StatsSocketError);
    assert.equal(err.status, 401);
  });
});

describe("engine targets setting", () => {
  it("defaults to the local engine when unset", () => {
    assert.deepEqual(parseTargets(undefined).targets, [
      { name: "local", url: "http://127.0.0.1:8765", environment: "dev" },
    ]);
  });

  it("keeps good entries and names each bad one by index", () => {
    const { targets, problems } = parseTargets([
      { name: "staging", url: "https://staging.example.test:8765/", environment: "staging" },
      { name: "prod", url: "ftp://x", environment: "prod" },
      { name: "staging", url: "http://127.0.0.1:1", environment: "dev" },
      { url: "http://127.0.0.1:2", environment: "dev" },
      "prod",
    ]);
    assert.deepEqual(targets, [
      { name: "staging", url: "https://staging.example.test:8765", environment: "staging" },
    ]);
    assert.deepEqual(problems, [
      "messagefoundry.engines[1].url must be an http(s) URL such as http://127.0.0.1:8765.",
      'messagefoundry.engines[2].name "staging" is used twice.',
      "messagefoundry.engines[3].name must be a non-empty string.",
      "messagefoundry.engines[4] must be an object { name, url, environment }.",
    ]);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
