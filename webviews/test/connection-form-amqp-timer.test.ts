/** The connections editor's form offers the amqp and timer transports with their fields and checks. */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { fieldsFor, transportsFor, validateConnection } from "../src/model/connection-form.js";
import type { FormConnection } from "../src/protocol/connectionsEditor.js";

function conn(over: Partial<FormConnection>): FormConnection {
  return {
    direction: "inbound",
    index: 0,
    name: "IB_ACME_POLL",
    transport: "timer",
    settings: { cron: "0 2 * * *" },
    fields: { router: "acme_router" },
    line: 1,
    ...over,
  };
}

describe("connection-form: amqp and timer", () => {
  it("offers timer for inbounds only and amqp both ways, with direction-required fields and secrets", () => {
    assert.ok(transportsFor("inbound").includes("timer"));
    assert.ok(!transportsFor("outbound").includes("timer"));
    assert.ok(transportsFor("inbound").includes("amqp") && transportsFor("outbound").includes("amqp"));
    const inbound = fieldsFor("inbound", "amqp");
    assert.equal(inbound.find((f) => f.key === "queue")?.required, true);
    assert.equal(inbound.find((f) => f.key === "password")?.secret, true);
    assert.equal(fieldsFor("outbound", "amqp").find((f) => f.key === "exchange")?.required, true);
    // The queue is consumed by an inbound only; the exchange and routing key serve both sides.
    assert.equal(
      fieldsFor("outbound", "amqp").find((f) => f.key === "queue"),
      undefined,
    );
    assert.ok(fieldsFor("inbound", "amqp").some((f) => f.key === "exchange"));
  });

  it("checks a timer as it is typed: cron syntax, timezone, exactly one of cron or intervalMs", () => {
    assert.deepEqual(validateConnection(conn({}), []), []);
    const bad = validateConnection(conn({ settings: { cron: "0 2 * *", timezone: "Nowhere/Land" } }), []);
    assert.deepEqual(
      bad.map((i) => i.path),
      ["settings.cron", "settings.timezone"],
    );
    assert.match(bad[0]?.message ?? "", /is not a valid cron expression/);
    const both = validateConnection(conn({ settings: { cron: "0 2 * * *", intervalMs: 1000 } }), []);
    assert.deepEqual(both, [
      { path: "settings.intervalMs", message: "cannot go with cron: set exactly one of cron, intervalMs" },
    ]);
    assert.deepEqual(validateConnection(conn({ settings: {} }), []), [
      { path: "settings", message: "need one of cron, intervalMs" },
    ]);
  });

  it("checks an amqp url: amqp(s) only, no password in it", () => {
    const c = conn({
      name: "IB_ACME_Q",
      transport: "amqp",
      settings: { url: "amqp://svc:pw@broker/", queue: "adt" },
    });
    assert.deepEqual(
      validateConnection(c, []).map((i) => i.path),
      ["settings.url"],
    );
  });
});
