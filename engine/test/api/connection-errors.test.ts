/**
 * A failing outbound says why in GET /connections: a refused connection and a receiver's negative ACK
 * show as a class from a fixed vocabulary (ECONNREFUSED, negative ACK AE) to anyone who may watch the
 * engine; the error text itself — which can quote a message — only to roles holding messages:raw.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "mocha";
import { mllpSink } from "../runtime/helpers.js";
import { until } from "../support/fixtures.js";
import { freePort, type Harness, receive, startApi } from "./helpers.js";

interface Item {
  name: string;
  state: string;
  error: string | null;
  errorClass: string | null;
  queueDepth: number;
}

describe("api: a failing outbound's error class", () => {
  let h: Harness;
  let sink: Awaited<ReturnType<typeof mllpSink>>;

  before(async () => {
    sink = await mllpSink();
    sink.answer = () => "AE";
    const refused = await freePort(); // nothing listens there
    const retry = "{ retry: { attempts: 1000, baseMs: 50, multiplier: 2, capMs: 200 } }";
    h = await startApi({
      boot: {
        "lab.ts": `import { handler, inbound, mllp, outbound, router, send } from "messagefoundry";
inbound("IB_ERR_LAB", mllp({ host: "127.0.0.1", port: ${await freePort()} }), { router: "err_router" });
outbound("OB_ERR_REFUSED", mllp({ host: "127.0.0.1", port: ${refused}, ackTimeoutMs: 2000 }), ${retry});
outbound("OB_ERR_NAK", mllp({ host: "127.0.0.1", port: ${sink.port}, ackTimeoutMs: 2000 }), ${retry});
router("err_router", () => ["err_handler"]);
handler("err_handler", (msg) => [send("OB_ERR_REFUSED", msg), send("OB_ERR_NAK", msg)]);
`,
      },
    });
    await receive(h, "ERR0001", "TEST", "IB_ERR_LAB");
  });
  after(async () => {
    await h?.close();
    await sink?.close();
  });

  async function items(token: string): Promise<Map<string, Item>> {
    const r = await h.call("GET", "/connections", { token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return new Map((r.body.items as Item[]).map((i) => [i.name, i]));
  }

  it("shows the class to a viewer and the text only to messages:raw", async () => {
    const operator = await h.login("operator");
    await until(async () => {
      const now = await items(operator);
      return Boolean(now.get("OB_ERR_REFUSED")?.errorClass && now.get("OB_ERR_NAK")?.errorClass);
    }, 50);
    const op = await items(operator);
    assert.equal(op.get("OB_ERR_REFUSED")?.errorClass, "ECONNREFUSED");
    assert.equal(op.get("OB_ERR_NAK")?.errorClass, "negative ACK AE");
    assert.match(op.get("OB_ERR_REFUSED")?.error ?? "", /ECONNREFUSED/);
    assert.ok(op.get("OB_ERR_NAK")?.error, "messages:raw sees the text");
    assert.equal(op.get("IB_ERR_LAB")?.errorClass, null, "a healthy inbound has no error");

    for (const role of ["viewer", "deployer"] as const) {
      const seen = await items(await h.login(role));
      assert.equal(seen.get("OB_ERR_REFUSED")?.errorClass, "ECONNREFUSED", role);
      assert.equal(seen.get("OB_ERR_NAK")?.errorClass, "negative ACK AE", role);
      assert.equal(seen.get("OB_ERR_REFUSED")?.error, null, `${role} gets no error text`);
      assert.equal(seen.get("OB_ERR_NAK")?.error, null, `${role} gets no error text`);
    }
  });
});
