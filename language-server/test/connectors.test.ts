/** The language server on the amqp and timer connectors' settings in connections.toml, as it is typed. */
import { check, type TestClient } from "./harness.js";

const TIMER = `
[[inbound]]
name = "IB_ACME_POLL"
transport = "timer"
router = "acme_adt_router"
contentType = "json"

[inbound.settings]
cron = "*/5 * * * *"
timezone = "Europe/Berlin"

[[inbound]]
name = "IB_ACME_QUEUE"
transport = "amqp"
router = "acme_adt_router"

[inbound.settings]
url = "amqp://broker:5672/hl7"
queue = "acme.adt"
`;

describe("language server: amqp and timer settings", () => {
  let client: TestClient | undefined;
  afterEach(async () => {
    await client?.stop();
    client = undefined;
  });

  it("accepts valid ones, and positions a bad cron expression, timezone and url at their values", async () => {
    client = await check("basic", {}, (c) =>
      c.open("connections.toml", `${c.readDisk("connections.toml")}${TIMER}`),
    );
    const text = `${client.readDisk("connections.toml")}${TIMER}`
      .replace('"*/5 * * * *"', '"*/5 * * *"')
      .replace('"Europe/Berlin"', '"Europe/Berlinn"')
      .replace('"amqp://broker:5672/hl7"', '"amqp://svc:pw@broker:5672/hl7"');
    await client.change("connections.toml", text);
    await client.settle({
      "connections.toml": [
        "22:9-22:18 MF-SETTINGS-SCHEMA inbound \"IB_ACME_POLL\" (timer): setting cron is not a valid cron expression: CronPattern: invalid configuration format ('*/5 * * *'), exactly five, six, or seven space separated parts are required.",
        '23:13-23:27 MF-SETTINGS-SCHEMA inbound "IB_ACME_POLL" (timer): setting timezone is not a known timezone (use an IANA name such as "Europe/Berlin")',
        '31:8-31:37 MF-SETTINGS-SCHEMA inbound "IB_ACME_QUEUE" (amqp): setting url must not carry a password: set `password` from env() (a MEFOR_VALUE_* secret)',
      ],
    });
  });
});
