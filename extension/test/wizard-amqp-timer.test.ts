/** The Connection Wizard's amqp and timer answers: checked, then written as connections.toml tables the loader accepts. */
import assert from "node:assert/strict";
import { checkSchema, exactlyOneIssues, isEnvRef, TRANSPORT_SCHEMAS } from "messagefoundry/graph";
import { parse } from "smol-toml";
import { scheduleProblem } from "../src/wizard/connectionSteps.js";
import { type ConnectionAnswers, generateConnection, validateConnection } from "../src/wizard/model.js";

/** The settings table of the one generated entry, checked against the transport's schema. */
function schemaIssues(c: ConnectionAnswers): string[] {
  const doc = parse(generateConnection(c)) as Record<string, { settings: Record<string, unknown> }[]>;
  const settings = doc[c.direction]?.[0]?.settings ?? {};
  const schema = TRANSPORT_SCHEMAS[c.transport as "amqp" | "timer"];
  return [...checkSchema(schema, settings, isEnvRef), ...exactlyOneIssues(schema, settings)].map(
    (i) => `${i.path} ${i.message}`,
  );
}

describe("wizard: amqp and timer connections", () => {
  it("writes an amqp inbound and outbound whose settings pass the schema", () => {
    const inbound: ConnectionAnswers = {
      direction: "inbound",
      name: "IB_ACME_Q",
      transport: "amqp",
      url: "env:acme_broker_url",
      queue: "acme.adt",
      router: "acme_router",
    };
    assert.deepEqual(validateConnection(inbound, undefined), []);
    assert.equal(
      generateConnection(inbound),
      '\n[[inbound]]\nname = "IB_ACME_Q"\ntransport = "amqp"\nrouter = "acme_router"\ncontentType = "hl7v2"\n[inbound.settings]\nurl = { env = "acme_broker_url" }\nqueue = "acme.adt"\n',
    );
    assert.deepEqual(schemaIssues(inbound), []);
    const outbound: ConnectionAnswers = {
      direction: "outbound",
      name: "OB_ACME_Q",
      transport: "amqp",
      url: "amqp://broker:5672/hl7",
      exchange: "hl7",
      routingKey: "adt.{messageType}",
    };
    assert.deepEqual(validateConnection(outbound, undefined), []);
    assert.deepEqual(schemaIssues(outbound), []);
    assert.deepEqual(validateConnection({ ...inbound, queue: undefined }, undefined), [
      "IB_ACME_Q: a queue is required.",
    ]);
  });

  it("writes a timer with a cron expression or an interval, and checks the schedule as typed", () => {
    const t: ConnectionAnswers = {
      direction: "inbound",
      name: "IB_ACME_POLL",
      transport: "timer",
      cron: "*/5 * * * *",
      contentType: "json",
      router: "acme_router",
    };
    assert.deepEqual(validateConnection(t, undefined), []);
    assert.deepEqual(schemaIssues(t), []);
    assert.match(generateConnection(t), /\ncron = "\*\/5 \* \* \* \*"\n/);
    const every: ConnectionAnswers = { ...t, cron: undefined, intervalMs: 60000 };
    assert.deepEqual(schemaIssues(every), []);
    assert.match(generateConnection(every), /\nintervalMs = 60000\n/);
    assert.equal(scheduleProblem("0 2 * * *"), undefined);
    assert.equal(scheduleProblem("60000"), undefined);
    assert.match(scheduleProblem("0 2 * *") ?? "", /^Not a cron expression/);
    assert.match(scheduleProblem("5") ?? "", /at least 10 ms/);
    assert.deepEqual(validateConnection({ ...t, cron: undefined }, undefined), [
      "IB_ACME_POLL: a cron expression or an interval is required.",
    ]);
  });
});
