/**
 * Finding a patient's messages although bodies are encrypted: a real engine indexes its inbound's
 * `identifiers` (PID-3.1, MSH-10) under MEFOR_INDEX_KEY as MLLP messages arrive; POST /messages/find
 * answers by exact value, audited without the value; the database holds tokens only. Without the
 * key, a search is refused with a code that says why.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "mocha";
import { AUDIT_ACTIONS } from "../../src/auth/index.js";
import { adt as adtOf, MllpSender } from "../runtime/helpers.js";
import { freePort, type Harness, startApi } from "./helpers.js";

function boot(inPort: number, outPort: number): Record<string, string> {
  return {
    "adt.ts": `import { handler, inbound, mllp, outbound, router, send } from "messagefoundry";
inbound("IB_FIND_ADT", mllp({ host: "127.0.0.1", port: ${inPort} }), {
  router: "find_router",
  identifiers: ["PID-3.1", "MSH-10"],
});
outbound("OB_FIND_ADT", mllp({ host: "127.0.0.1", port: ${outPort} }));
router("find_router", () => ["find_handler"]);
handler("find_handler", (msg) => send("OB_FIND_ADT", msg));
`,
  };
}

/** adt() puts its control id in PID-3.1 too; this one carries a separate MRN. */
const withMrn = (controlId: string, mrn: string) =>
  adtOf(controlId).replace(`PID|1||${controlId}^`, `PID|1||${mrn}^`);

describe("api: POST /messages/find (blind index)", () => {
  let h: Harness;
  let inPort: number;
  before(async () => {
    inPort = await freePort();
    h = await startApi({
      boot: boot(inPort, await freePort()),
      quiet: ["OB_FIND_ADT"],
      processEnv: { MEFOR_INDEX_KEY: randomBytes(32).toString("base64") },
    });
    const sender = await MllpSender.connect(inPort);
    assert.equal(await sender.send(withMrn("FIND1", "MRN-SYN-7001")), "AA");
    assert.equal(await sender.send(withMrn("FIND2", "MRN-SYN-7002")), "AA");
    assert.equal(await sender.send(withMrn("FIND3", "MRN-SYN-7001")), "AA");
    sender.close();
  });
  after(() => h.close());

  const find = (token: string, body: Record<string, unknown>) =>
    h.call("POST", "/messages/find", { token, body });

  it("finds a patient's messages by exact MRN (newest first) and by control id", async () => {
    const viewer = await h.login("viewer");
    const r = await find(viewer, { identifier: "MRN-SYN-7001" });
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.items.map((m: { controlId: string }) => m.controlId),
      ["FIND3", "FIND1"],
    );
    assert.deepEqual(
      (await find(viewer, { identifier: "FIND2" })).body.items.map((m: { controlId: string }) => m.controlId),
      ["FIND2"],
    );
    // Exact value only; filters combine; paging works like the list.
    assert.equal((await find(viewer, { identifier: "MRN-SYN-700" })).body.items.length, 0);
    assert.equal(
      (await find(viewer, { identifier: "MRN-SYN-7001", connection: "IB_OTHER" })).body.items.length,
      0,
    );
    const first = await find(viewer, { identifier: "MRN-SYN-7001", limit: 1 });
    assert.equal(first.body.items.length, 1);
    const next = await find(viewer, { identifier: "MRN-SYN-7001", limit: 1, cursor: first.body.nextCursor });
    assert.deepEqual(
      next.body.items.map((m: { controlId: string }) => m.controlId),
      ["FIND1"],
    );
  });

  it("audits each search as patient-data access, without the value", async () => {
    const operator = await h.login("operator");
    await find(operator, { identifier: "MRN-SYN-7002" });
    const entries = await h.auth.listAudit({ limit: 1000, action: AUDIT_ACTIONS.messagesFoundByIdentifier });
    const last = entries.at(-1);
    assert.equal(last?.actor, "operator");
    assert.match(last?.details ?? "", /"matches":1/);
    assert.ok(entries.every((e) => !JSON.stringify(e).includes("MRN-SYN")));
  });

  it("stores tokens only, never the identifier values", async () => {
    const tokens = h.store.db.prepare("SELECT token FROM message_identifiers").pluck().all() as string[];
    assert.equal(tokens.length, 6); // 3 messages × (MRN, control id)
    assert.ok(tokens.every((t) => !t.includes("MRN") && !t.includes("FIND")));
  });

  it("needs a value; anonymous callers get 401", async () => {
    const viewer = await h.login("viewer");
    assert.equal((await find(viewer, {})).status, 400);
    assert.equal((await h.call("POST", "/messages/find", { body: { identifier: "X" } })).status, 401);
  });
});

describe("api: POST /messages/find without MEFOR_INDEX_KEY", () => {
  let h: Harness;
  before(async () => {
    h = await startApi();
  });
  after(() => h.close());

  it("is refused with IDENTIFIER_SEARCH_OFF", async () => {
    const r = await h.call("POST", "/messages/find", {
      token: await h.login("viewer"),
      body: { identifier: "X" },
    });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, "IDENTIFIER_SEARCH_OFF");
    assert.match(r.body.error.message, /MEFOR_INDEX_KEY/);
  });
});
