/** Messages, dead letters, connections and counters through the real engine (its store and runner). */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "mocha";
import { storeMessages } from "../../src/api/index.js";
import { scanPage } from "../../src/api/pagination.js";
import { AUDIT_ACTIONS } from "../../src/auth/index.js";
import {
  breakAudit,
  deadLetterMany,
  deadLetterOutbound,
  type Harness,
  receive,
  startApi,
} from "./helpers.js";

describe("api/messages", () => {
  let h: Harness;
  let viewer: string;
  let operator: string;
  beforeEach(async () => {
    h = await startApi();
    viewer = await h.login("viewer");
    operator = await h.login("operator");
  });
  afterEach(() => h.close());

  const lastAudit = async (action: string) => (await h.auth.listAudit({ limit: 1000, action })).at(-1);

  it("lists metadata only: no patient data in list rows", async () => {
    const id = await receive(h, "MSG0001", "SECRETFAMILY");
    const res = await h.call("GET", "/messages", { token: viewer });
    assert.equal(res.status, 200);
    assert.equal(res.body.items.length, 1);
    const row = res.body.items[0];
    assert.equal(row.id, id);
    assert.equal(row.connection, "IB_TEST_ADT");
    assert.equal(row.controlId, "MSG0001");
    assert.equal(row.messageType, "ADT^A01");
    assert.equal(row.disposition, "RECEIVED");
    assert.equal(row.hasError, false);
    assert.ok(!JSON.stringify(res.body).includes("SECRETFAMILY"));
    const detail = await h.call("GET", `/messages/${id}`, { token: viewer });
    assert.ok(!JSON.stringify(detail.body).includes("SECRETFAMILY"));
    assert.ok(Array.isArray(detail.body.history));
    assert.equal(detail.body.rows[0].stage, "ingress");
    assert.equal(detail.body.rows[0].state, "pending");
  });

  it("filters by connection, control id, type, disposition and time; pages by cursor", async () => {
    for (let i = 1; i <= 5; i++) await receive(h, `PG000${i}`);
    await receive(h, "OTHER01", "TEST", "IB_OTHER");
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/messages?connection=IB_TEST_ADT&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await h.call("GET", q, { token: viewer });
      assert.equal(res.status, 200);
      seen.push(...res.body.items.map((m: { controlId: string }) => m.controlId));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    assert.deepEqual(seen, ["PG0005", "PG0004", "PG0003", "PG0002", "PG0001"]);
    assert.equal(pages, 3);

    const byId = await h.call("GET", "/messages?controlId=OTHER01", { token: viewer });
    assert.deepEqual(
      byId.body.items.map((m: { connection: string }) => m.connection),
      ["IB_OTHER"],
    );
    assert.equal(
      (await h.call("GET", "/messages?messageType=ORU%5ER01", { token: viewer })).body.items.length,
      0,
    );
    assert.equal(
      (await h.call("GET", "/messages?disposition=RECEIVED", { token: viewer })).body.items.length,
      6,
    );
    assert.equal(
      (await h.call("GET", "/messages?disposition=ERROR", { token: viewer })).body.items.length,
      0,
    );
    const future = new Date(Date.now() + 3_600_000).toISOString();
    assert.equal((await h.call("GET", `/messages?from=${future}`, { token: viewer })).body.items.length, 0);
    assert.equal((await h.call("GET", `/messages?to=${future}`, { token: viewer })).body.items.length, 6);

    const bad = await h.call("GET", "/messages?cursor=bm9wZQ", { token: viewer });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, "INVALID_CURSOR");
  });

  it("raw view returns the body to messages:raw, audited with the acting user", async () => {
    const id = await receive(h, "RAW0001");
    assert.equal((await h.call("GET", `/messages/${id}/raw`, { token: viewer })).status, 403);
    const res = await h.call("GET", `/messages/${id}/raw`, { token: operator });
    assert.equal(res.status, 200);
    assert.equal(res.body.encoding, "utf8");
    assert.equal(res.body.contentType, "hl7v2");
    assert.match(res.body.body, /^MSH\|\^~\\&\|/);
    assert.match(res.body.body, /TEST\^PATIENT/);
    const audit = await lastAudit(AUDIT_ACTIONS.messageRawViewed);
    assert.equal(audit?.actor, "operator");
    assert.equal(audit?.target, `message:${id}`);
    assert.ok(!(audit?.details ?? "").includes("PATIENT"));

    assert.equal(
      (await h.call("GET", "/messages/999/raw", { token: operator })).body.error.code,
      "MESSAGE_NOT_FOUND",
    );
  });

  it("replay re-runs a message and is audited", async () => {
    const id = await receive(h, "RPL0001");
    const res = await h.call("POST", `/messages/${id}/replay`, { token: operator });
    assert.equal(res.status, 202);
    assert.deepEqual(res.body, { id, queued: true });
    const detail = await h.call("GET", `/messages/${id}`, { token: operator });
    assert.equal(detail.body.run, 2);
    assert.equal((await lastAudit(AUDIT_ACTIONS.messageReplayed))?.target, `message:${id}`);
    assert.equal((await h.call("POST", "/messages/4242/replay", { token: operator })).status, 404);
  });

  it("lists dead letters, resends one, and replays the rest in bulk — all audited", async () => {
    const a = await deadLetterOutbound(h, "DL0001");
    const b = await deadLetterOutbound(h, "DL0002");
    const c = await deadLetterOutbound(h, "DL0003");
    const list = await h.call("GET", "/dead-letters?connection=OB_TEST_ADT", { token: viewer });
    assert.deepEqual(
      list.body.items.map((r: { id: number }) => r.id),
      [c.rowId, b.rowId, a.rowId],
    );
    // Error text can quote the message: only messages:raw sees it (audited), messages:read sees that there is one.
    assert.equal(list.body.items[0].error, undefined);
    assert.equal(list.body.items[0].hasError, true);
    assert.ok(!JSON.stringify(list.body).includes("AR from receiver"));
    const full = await h.call("GET", "/dead-letters?connection=OB_TEST_ADT", { token: operator });
    assert.equal(full.body.items[0].error, "AR from receiver");
    const viewed = await lastAudit(AUDIT_ACTIONS.messageErrorViewed);
    assert.equal(viewed?.actor, "operator");
    assert.equal(viewed?.target, "dead-letters");
    assert.deepEqual(JSON.parse(viewed?.details ?? "{}"), { rows: 3 });
    const detail = await h.call("GET", `/messages/${a.messageId}`, { token: viewer });
    assert.ok(detail.body.history.some((e: { kind: string }) => e.kind === "dead-letter"));
    assert.equal(detail.body.disposition, "ERROR");
    assert.equal(
      (await h.call("GET", "/messages?disposition=ERROR", { token: viewer })).body.items.length,
      3,
    );

    const resend = await h.call("POST", `/outbound-rows/${a.rowId}/resend`, { token: operator });
    assert.equal(resend.status, 202);
    assert.ok(resend.body.newRowId > c.rowId);
    assert.equal((await lastAudit(AUDIT_ACTIONS.outboundResent))?.target, `row:${a.rowId}`);
    assert.equal(
      (await h.call("POST", "/outbound-rows/9999/resend", { token: operator })).body.error.code,
      "ROW_NOT_FOUND",
    );

    const bulk = await h.call("POST", "/dead-letters/replay", {
      token: operator,
      body: { filter: { connection: "OB_TEST_ADT" } },
    });
    assert.equal(bulk.status, 202);
    assert.deepEqual(bulk.body, { replayed: 2, skipped: 0, truncated: false });
    assert.equal((await h.call("GET", "/dead-letters", { token: viewer })).body.items.length, 0);
    const bulkAudits = await h.auth.listAudit({ limit: 1000, action: AUDIT_ACTIONS.deadLettersReplayed });
    assert.deepEqual(
      bulkAudits.map((e) => [e.actor, JSON.parse(e.details ?? "{}")]),
      [
        ["operator", { filter: { connection: "OB_TEST_ADT" }, max: 1000, outcome: "started" }],
        [
          "operator",
          {
            filter: { connection: "OB_TEST_ADT" },
            outcome: "done",
            replayed: 2,
            skipped: 0,
            truncated: false,
          },
        ],
      ],
    );
  });

  it("error text and history detail reach only messages:raw holders, and that view is audited", async () => {
    const { messageId, rowId } = await deadLetterOutbound(h, "ERR0001");
    const before = (await h.auth.listAudit({ limit: 1000 })).length;
    const seen = await h.call("GET", `/messages/${messageId}`, { token: viewer });
    assert.equal(seen.status, 200);
    assert.ok(!JSON.stringify(seen.body).includes("AR from receiver"), JSON.stringify(seen.body));
    assert.equal(seen.body.hasError, true);
    assert.equal(seen.body.errorStage, "outbound");
    assert.equal(seen.body.error, undefined);
    const dead = seen.body.rows.find((r: { id: number }) => r.id === rowId);
    assert.deepEqual(
      [dead.stage, dead.state, dead.hasError, dead.error],
      ["outbound", "dead", true, undefined],
    );
    const event = seen.body.history.find((e: { kind: string }) => e.kind === "dead-letter");
    assert.deepEqual([event.hasDetail, event.detail], [true, undefined]);
    assert.equal((await h.auth.listAudit({ limit: 1000 })).length, before, "a redacted view is not audited");

    const full = await h.call("GET", `/messages/${messageId}`, { token: operator });
    assert.equal(full.status, 200);
    assert.equal(full.body.rows.find((r: { id: number }) => r.id === rowId).error, "AR from receiver");
    assert.ok(
      full.body.history.some((e: { detail: string | null }) => e.detail?.includes("AR from receiver")),
    );
    const audit = await lastAudit(AUDIT_ACTIONS.messageErrorViewed);
    assert.equal(audit?.actor, "operator");
    assert.equal(audit?.target, `message:${messageId}`);
    assert.ok(!(audit?.details ?? "").includes("AR from receiver"));
  });

  it("an error-text view that cannot be audited is refused", async () => {
    const { messageId } = await deadLetterOutbound(h, "ERR0002");
    const restore = breakAudit(h);
    try {
      const res = await h.call("GET", `/messages/${messageId}`, { token: operator });
      assert.equal(res.status, 500);
      assert.ok(!JSON.stringify(res.body).includes("AR from receiver"));
    } finally {
      restore();
    }
  });

  it("replay, resend and bulk replay are audited before they act: no audit, no action", async () => {
    const { messageId, rowId } = await deadLetterOutbound(h, "AUD0001");
    const restore = breakAudit(h);
    try {
      assert.equal((await h.call("POST", `/messages/${messageId}/replay`, { token: operator })).status, 500);
      assert.equal((await h.call("POST", `/outbound-rows/${rowId}/resend`, { token: operator })).status, 500);
      const bulk = await h.call("POST", "/dead-letters/replay", { token: operator, body: { filter: {} } });
      assert.equal(bulk.status, 500);
    } finally {
      restore();
    }
    const m = await h.store.getMessage(messageId);
    assert.equal(m?.run, 1, "not replayed");
    assert.deepEqual(
      m?.rows.map((r) => [r.stage, r.state]),
      [
        ["ingress", "done"],
        ["routed", "done"],
        ["outbound", "dead"],
      ],
      "nothing resent",
    );
  });

  it("a replay of an unknown message is audited as failed", async () => {
    assert.equal((await h.call("POST", "/messages/4242/replay", { token: operator })).status, 404);
    const entries = await h.auth.listAudit({ limit: 1000, action: AUDIT_ACTIONS.messageReplayed });
    assert.deepEqual(
      entries.map((e) => [e.target, JSON.parse(e.details ?? "{}")]),
      [
        ["message:4242", {}],
        ["message:4242", { outcome: "failed", code: "MESSAGE_NOT_FOUND" }],
      ],
    );
  });

  it("bulk replay lets other work run between batches of rows", async () => {
    await deadLetterMany(h, 250);
    let turns = 0;
    let spinning = true;
    const spin = (): void => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const result = await storeMessages(h.store).replayDeadLetters({}, 10_000);
    const during = turns;
    spinning = false;
    assert.deepEqual(result, { replayed: 250, skipped: 0, truncated: false });
    assert.ok(during >= 2, `the event loop turned ${during} times during a 250-row replay`);
  });

  it("bulk replay stops at max and says so", async () => {
    await deadLetterOutbound(h, "MX0001");
    await deadLetterOutbound(h, "MX0002");
    const res = await h.call("POST", "/dead-letters/replay", {
      token: operator,
      body: { filter: {}, max: 1 },
    });
    assert.deepEqual(res.body, { replayed: 1, skipped: 0, truncated: true });
  });
  it("free text: a part of the control id, type, inbound or disposition; never the body; pages on", async () => {
    for (let i = 1; i <= 4; i++) await receive(h, `FT-ACME-${i}`, "SECRETFAMILY");
    await receive(h, "ZZ9", "TEST", "IB_OTHER");
    const find = async (query: string) => {
      const res = await h.call("GET", `/messages?${query}`, { token: viewer });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { items: { controlId: string }[]; nextCursor: string | null };
    };
    const ids = (b: { items: { controlId: string }[] }) => b.items.map((m) => m.controlId);
    assert.deepEqual(ids(await find("text=acme-3")), ["FT-ACME-3"]);
    assert.deepEqual(ids(await find("text=ib_other")), ["ZZ9"]);
    assert.equal((await find("text=adt%5Ea01")).items.length, 5);
    assert.equal((await find("text=received")).items.length, 5);
    // Bodies are never searched: the patient's family name finds nothing.
    assert.equal((await find("text=SECRETFAMILY")).items.length, 0);
    // Combined with a structured filter, and paged by cursor beyond the first page.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await find(`text=ft-&connection=IB_TEST_ADT&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...ids(page));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, ["FT-ACME-4", "FT-ACME-3", "FT-ACME-2", "FT-ACME-1"]);
    assert.equal((await h.call("GET", "/messages?text=", { token: viewer })).status, 400);
  });

  it("a free-text page reads a bounded number of rows and offers the cursor to read on", async () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ id: 30 - i, hit: (30 - i) % 10 === 0 }));
    const fetch = async (req: { before?: number; limit: number }) =>
      rows.filter((r) => req.before === undefined || r.id < req.before).slice(0, req.limit);
    const first = await scanPage(undefined, 5, fetch, (r) => r.hit, 12);
    assert.deepEqual(
      first.items.map((r) => r.id),
      [30, 20],
    );
    assert.ok(first.nextCursor, "budget spent before the store ran out: page on");
    const second = await scanPage(first.nextCursor ?? undefined, 5, fetch, (r) => r.hit, 12);
    assert.deepEqual(
      second.items.map((r) => r.id),
      [10],
    );
    const third = await scanPage(second.nextCursor ?? undefined, 5, fetch, (r) => r.hit, 12);
    assert.deepEqual(third, { items: [], nextCursor: null }, "the store ran out: no cursor");
  });
});

describe("api/monitoring", () => {
  let h: Harness;
  beforeEach(async () => {
    // The inbound is stopped so the rows received below wait in ingress (its running router worker
    // would route them at once); the outbound runs.
    h = await startApi({ quiet: ["IB_TEST_ADT"] });
  });
  afterEach(() => h.close());

  it("connections carry state, counters, last activity and queue depth from the store", async () => {
    await receive(h, "MON0001");
    await receive(h, "MON0002");
    const token = await h.login("viewer");
    const res = await h.call("GET", "/connections", { token });
    assert.equal(res.status, 200);
    const ib = res.body.items.find((c: { name: string }) => c.name === "IB_TEST_ADT");
    assert.equal(ib.state, "stopped");
    assert.equal(ib.direction, "inbound");
    assert.equal(ib.transport, "mllp");
    assert.equal(ib.counts.received, 2);
    assert.equal(ib.queueDepth, 2);
    assert.ok(Date.parse(ib.lastActivity) > 0);
    const ob = res.body.items.find((c: { name: string }) => c.name === "OB_TEST_ADT");
    assert.equal(ob.state, "running");
    assert.equal(ob.direction, "outbound");
    assert.equal(ob.lastActivity, null);

    const stats = await h.call("GET", "/stats", { token });
    assert.equal(stats.body.totals.received, 2);
    assert.deepEqual(stats.body.depth, [
      { stage: "ingress", connection: "IB_TEST_ADT", pending: 2, claimed: 0 },
    ]);
  });

  it("start/stop change a connection's state, audited; unknown names are 404", async () => {
    const token = await h.login("operator");
    const stop = await h.call("POST", "/connections/OB_TEST_ADT/stop", { token });
    assert.deepEqual(stop.body, { name: "OB_TEST_ADT", state: "stopped" });
    const list = await h.call("GET", "/connections", { token });
    assert.equal(list.body.items.find((c: { name: string }) => c.name === "OB_TEST_ADT").state, "stopped");
    assert.equal(
      (await h.auth.listAudit({ limit: 1000, action: AUDIT_ACTIONS.connectionStopped })).at(-1)?.actor,
      "operator",
    );
    assert.equal(h.engine.runner.connections().find((c) => c.name === "OB_TEST_ADT")?.state, "stopped");
    const start = await h.call("POST", "/connections/OB_TEST_ADT/start", { token });
    assert.equal(start.body.state, "running");
    assert.equal(h.engine.runner.connections().find((c) => c.name === "OB_TEST_ADT")?.state, "running");
    const unknown = await h.call("POST", "/connections/OB_NOPE/start", { token });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, "CONNECTION_NOT_FOUND");
  });
});
