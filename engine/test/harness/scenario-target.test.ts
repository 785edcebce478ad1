/**
 * A scenario against a running engine (`target.api`): the engine and its API run as `serve` runs them;
 * the scenario starts its sink on the port the engine's outbound points at, sends to the engine's
 * inbound port, and reads dispositions and dead letters through the API with a bearer token.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { generatedMessages } from "../../src/harness/index.js";
import { parseScenario, runScenario } from "../../src/scenario/index.js";
import { bootConfig, freePort, type Harness, startApi } from "../api/helpers.js";
import { tempDir } from "../support/fixtures.js";

describe("scenario: a running engine through its API", function () {
  this.timeout(60_000);
  let h: Harness;
  let ports: { inPort: number; outPort: number };
  before(async () => {
    ports = { inPort: await freePort(), outPort: await freePort() };
    h = await startApi({ boot: bootConfig(ports) });
  });
  after(() => h.close());

  const [first, second] = [...generatedMessages("ADT^A08", 2, 11)].map((m) => m.controlId);
  const scenario = () =>
    parseScenario(
      JSON.stringify({
        name: "a running engine",
        target: { api: h.base },
        sinks: { out: { port: ports.outPort, faults: { rules: { [second ?? ""]: { action: "AR" } } } } },
        send: [{ port: ports.inPort, generate: { type: "ADT^A08", count: 2, seed: 11 } }],
        expect: {
          acks: { AA: 2 },
          dispositions: { [first ?? ""]: "PROCESSED", [second ?? ""]: "ERROR" },
          deliveries: { out: { accepted: [first], actions: { AR: 1 } } },
          deadLetters: { OB_TEST_ADT: 1 },
          timeoutMs: 20_000,
        },
      }),
      "target.json",
    );

  it("passes every check with an operator's token", async () => {
    const t = tempDir();
    try {
      const token = await h.login("operator");
      const result = await runScenario(scenario(), {
        file: join(t.dir, "target.json"),
        env: { MEFOR_API_TOKEN: token },
      });
      assert.equal(result.error, undefined);
      assert.deepEqual(
        result.checks.filter((c) => !c.ok),
        [],
      );
      assert.equal(result.checks.length, 6);
    } finally {
      t.cleanup();
    }
  });

  it("without a token says which variable to set", async () => {
    const result = await runScenario(scenario(), { file: "target.json", env: {} });
    assert.match(result.error ?? "", /HTTP 401 \(set MEFOR_API_TOKEN\)/);
  });
});
