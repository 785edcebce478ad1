import assert from "node:assert/strict";
import type { StatsFrame } from "messagefoundry/api";
import { adt, MllpSender } from "../../engine/test/runtime/helpers.js";
import { EngineClient, EngineError, parseTargets, rawText, StatsSocketError } from "../src/engine/index.js";
import { fetchPage, foundRows, parseFind, parseQuery } from "../src/engine/query.js";
import {
  ADMIN,
  DEPLOYER,
  freePort,
  OPERATOR,
  type RealEngine,
  startRealEngine,
} from "./support/realEngine.js";

/** The engine's re-authentication window is 5 minutes by default. */
const PAST_REAUTH_WINDOW = 6 * 60_000;

describe("engine client against the real engine API", () => {
  let engine: RealEngine;
  before(async () => {
    engine = await startRealEngine();
  });
  after(() => engine?.close());

  const signedIn = async (user = DEPLOYER, totp?: string) => {
    const client = new EngineClient({ url: engine.url });
    await client.login({ ...user, ...(totp ? { totp } : {}) });
    return client;
  };

  it("reports health without a token", async () => {
    const client = new EngineClient({ url: `${engine.url}/` });
    assert.deepEqual(await client.health(), { status: "ok", version: "0.0.0-ext-test" });
  });

  it("signs in and reads connections, the session and the running config in the engine's shapes", async () => {
    const client = await signedIn();
    assert.ok(client.token);
    const conns = await client.connections();
    assert.deepEqual(
      conns.map((c) => [c.name, c.direction, c.transport, c.state]),
      [
        ["IB_TEST_ADT", "inbound", "mllp", "running"],
        ["OB_TEST_SINK", "outbound", "mllp", "running"],
      ],
    );
    assert.equal(typeof conns[0]?.counts.received, "number");
    assert.equal(typeof conns[0]?.queueDepth, "number");
    const session = await client.session();
    assert.deepEqual(session.user.name, "deployer");
    assert.equal(session.user.mfa, false);
    // GET /config/active wraps the version: { active: {...} }.
    const active = await client.activeConfig();
    assert.ok(active, "the engine booted a config version");
    assert.match(active.versionId, /\S/);
    assert.match(active.contentHash, /\S/);
    assert.equal(active.promotedBy, "test-setup");
    assert.ok(!Number.isNaN(Date.parse(active.promotedAt)));
    assert.deepEqual(
      (await client.history()).map((v) => v.versionId),
      [active.versionId],
    );
    const graph = await client.graph();
    assert.ok(graph.nodes.some((n) => n.kind === "router" && n.name === "test_router"));
  });

  it("asks for the TOTP code of an MFA user: MFA_REQUIRED, then signs in with it", async () => {
    const client = new EngineClient({ url: engine.url });
    await assert.rejects(client.login(ADMIN), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.equal(err.code, "MFA_REQUIRED");
      assert.equal(err.needsSignIn, false);
      return true;
    });
    await client.login({ ...ADMIN, totp: engine.adminTotp() });
    assert.equal((await client.session()).user.mfa, true);
  });

  it("turns the engine's error body into an EngineError with its code", async () => {
    const client = new EngineClient({ url: engine.url });
    await assert.rejects(client.login({ username: "deployer", password: "wrong-password" }), {
      code: "INVALID_CREDENTIALS",
      status: 401,
    });
    await assert.rejects(client.connections(), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.equal(err.code, "UNAUTHENTICATED");
      assert.equal(err.needsSignIn, true);
      return true;
    });
    const stale = new EngineClient({ url: engine.url, token: "not-a-token" });
    await assert.rejects(
      stale.connections(),
      (err: unknown) => err instanceof EngineError && err.needsSignIn,
    );
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
    const id = await engine.receive("CLIENT0001");
    const client = await signedIn(OPERATOR);
    const page = await client.messages({ connection: "IB_TEST_ADT", controlId: "CLIENT0001", limit: 10 });
    assert.equal(page.nextCursor, null);
    assert.equal(page.items.length, 1);
    const row = page.items[0]!;
    assert.equal(row.id, id);
    assert.equal(row.connection, "IB_TEST_ADT");
    assert.equal(row.messageType, "ADT^A01");
    const raw = await client.rawMessage(id);
    assert.equal(raw.encoding, "utf8");
    assert.match(rawText(raw), /^MSH\|\^~\\&\|SENDER\|/);
    assert.deepEqual(await client.replay(id), { id, queued: true });
    const detail = await client.message(id);
    assert.equal(detail.id, id);
    assert.ok(Array.isArray(detail.history));
    const dead = await client.deadLetters({ connection: "OB_TEST_SINK" });
    assert.ok(Array.isArray(dead.items));
  });

  it("Find Messages: free text from the filter line, and pages past the first one with the cursor", async () => {
    for (let i = 1; i <= 5; i++) await engine.receive(`FINDME-${i}`);
    const client = await signedIn(OPERATOR);
    const query = { ...parseQuery("findme connection=IB_TEST_ADT"), limit: 2 };
    assert.deepEqual(query, { text: "findme", connection: "IB_TEST_ADT", limit: 2 });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await client.messages(cursor ? { ...query, cursor } : query);
      seen.push(...page.items.map((m) => m.controlId ?? ""));
      assert.equal(
        foundRows(page.items, page.nextCursor !== null).at(-1)?.id === "more",
        page.nextCursor !== null,
      );
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    assert.deepEqual(seen, ["FINDME-5", "FINDME-4", "FINDME-3", "FINDME-2", "FINDME-1"]);
    assert.equal(pages, 3);
  });

  it("re-authenticates when a sensitive action answers REAUTH_REQUIRED, then retries once", async () => {
    const id = await engine.receive("CLIENT0002");
    const client = await signedIn(OPERATOR);
    engine.advance(PAST_REAUTH_WINDOW);
    // Without a prompt the refusal reaches the caller; the session itself is fine.
    await assert.rejects(client.rawMessage(id), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.equal(err.code, "REAUTH_REQUIRED");
      assert.equal(err.status, 403);
      assert.equal(err.needsSignIn, false);
      return true;
    });
    const asked: { user: string; mfa: boolean }[] = [];
    client.reauthPrompt = async (req) => {
      asked.push(req);
      return { password: DEPLOYER.password };
    };
    assert.match(rawText(await client.rawMessage(id)), /CLIENT0002/);
    assert.deepEqual(asked, [{ user: "operator", mfa: false }]);
    // Now recent: no second prompt.
    await client.replay(id);
    assert.equal(asked.length, 1);
  });

  it("asks an MFA user for the TOTP code too when re-authenticating", async () => {
    const client = await signedIn(ADMIN, engine.adminTotp());
    engine.advance(PAST_REAUTH_WINDOW);
    const asked: { user: string; mfa: boolean }[] = [];
    client.reauthPrompt = async (req) => {
      asked.push(req);
      return { password: ADMIN.password, totp: engine.adminTotp() };
    };
    const id = await engine.receive("CLIENT0003");
    assert.deepEqual(await client.replay(id), { id, queued: true });
    assert.deepEqual(asked, [{ user: "administrator", mfa: true }]);
  });

  it("stops when the user declines to re-authenticate, and reports a wrong password as such", async () => {
    const id = await engine.receive("CLIENT0004");
    const client = await signedIn(OPERATOR);
    engine.advance(PAST_REAUTH_WINDOW);
    client.reauthPrompt = async () => undefined;
    await assert.rejects(client.replay(id), { code: "REAUTH_CANCELLED" });
    client.reauthPrompt = async () => ({ password: "wrong-password" });
    await assert.rejects(client.replay(id), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.equal(err.code, "INVALID_CREDENTIALS");
      assert.equal(err.needsSignIn, false, "a mistyped password does not end the session");
      return true;
    });
    assert.equal((await client.session()).user.name, "operator");
  });

  it("streams live counters over /ws/stats with the bearer token", async () => {
    await engine.receive("CLIENT0005");
    const client = await signedIn();
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
    // The GET /stats body: counters per connection (those that have seen traffic) and totals.
    assert.ok(frames[1]?.connections.some((c) => c.name === "IB_TEST_ADT"));
    assert.ok((frames[1]?.totals.received ?? 0) >= 1);
    assert.ok(!Number.isNaN(Date.parse(frames[1]?.at ?? "")));
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

describe("Find Messages by identifier (the engine's blind index) against the real engine", () => {
  let engine: RealEngine;
  before(async () => {
    engine = await startRealEngine({ identifiers: true });
  });
  after(() => engine?.close());

  it("identifier=VALUE from the filter line finds the messages whose PID-3.1 or MSH-10 has that value", async () => {
    const sender = await MllpSender.connect(engine.ports.inPort);
    for (const id of ["EXTID-1", "EXTID-2"]) assert.equal(await sender.send(adt(id)), "AA");
    sender.close();
    const client = new EngineClient({ url: engine.url });
    await client.login(OPERATOR);
    const spec = parseFind("identifier=EXTID-2");
    assert.deepEqual(spec, { kind: "identifier", identifier: "EXTID-2" });
    const page = await fetchPage(client, spec);
    assert.deepEqual(
      page.items.map((m) => m.controlId),
      ["EXTID-2"],
    );
    assert.equal((await fetchPage(client, parseFind("mrn=EXTID-3"))).items.length, 0);
    // Other filter lines still list as before.
    assert.equal(parseFind("EXTID connection=IB_TEST_ADT").kind, "list");
    assert.deepEqual(parseFind("id=X connection=IB_TEST_ADT"), {
      kind: "identifier",
      identifier: "X",
      connection: "IB_TEST_ADT",
    });
  });
});
