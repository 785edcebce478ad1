/**
 * What the Route Wizard writes must load, type-check and route in the real engine: the generated module
 * and connections.toml tables are added to a copy of samples/config and `messagefoundry check` runs.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { appendToToml, generateRoute, type RouteAnswers, suggestNames } from "../src/wizard/model.js";
import { copySamples, type SampleCopy } from "./support/engineCli.js";

describe("Route Wizard output in the real engine", () => {
  let samples: SampleCopy;
  beforeEach(() => {
    samples = copySamples();
  });
  afterEach(() => samples.remove());

  it("adds a route that passes `messagefoundry check` (load, type-check, fixtures)", async () => {
    const names = suggestNames("test", "adt");
    const answers: RouteAnswers = {
      inbound: {
        direction: "inbound",
        name: names.inbound,
        transport: "mllp",
        port: 2690,
        router: names.router,
      },
      router: { name: names.router, messageTypes: ["ADT^A01", "ADT^A04"] },
      handlers: [
        {
          name: names.handler,
          filter: { path: "MSH-9.2", op: "notEquals", value: "A08" },
          mappings: [
            { target: "PID-5.1", from: "PID-5.1", transform: "upper" },
            { target: "MSH-5", value: "TESTRECV" },
          ],
          outbounds: [names.outbound, "OB_EMR_ADT"],
        },
      ],
      newOutbounds: [
        { direction: "outbound", name: names.outbound, transport: "mllp", host: "127.0.0.1", port: 2691 },
      ],
      moduleFile: names.moduleFile,
    };
    const files = generateRoute(answers);
    writeFileSync(join(samples.configDir, files.module.path), files.module.text);
    const tomlPath = join(samples.configDir, "connections.toml");
    const before = readFileSync(tomlPath, "utf8");
    const after = before + appendToToml(before, files.tomlAppend);
    writeFileSync(tomlPath, after);

    // The user's comments and entries are untouched; the new tables parse as the loader will read them.
    assert.ok(after.startsWith(before));
    const toml = parseToml(after) as { inbound: { name: string; settings: { port: number } }[] };
    assert.deepEqual(
      toml.inbound.map((i) => [i.name, i.settings.port]),
      [
        ["IB_LAB_ORU", 2602],
        ["IB_TEST_ADT", 2690],
      ],
    );

    const check = await samples.run(["check", "--config", ".", "--env", "dev", "--json"]);
    const report = JSON.parse(check.stdout) as { ok: boolean; problems: { message: string }[] };
    assert.deepEqual(report.problems, [], check.stderr);
    assert.equal(report.ok, true);
    assert.equal(check.code, 0);
  });
});
