/**
 * What the Route Wizard writes must load, type-check and route in the real engine: the generated module
 * and connections.toml tables are added to a copy of samples/config and `messagefoundry check` runs;
 * the lab route's filter routes the abnormal sample and filters the normal one in a real dry run.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RegistryGraph } from "messagefoundry/graph";
import { parse as parseToml } from "smol-toml";
import { parseJsonOutput } from "../src/cli/index.js";
import { readDryRun } from "../src/testbench/index.js";
import { messageTypesOf, repeatsOf } from "../src/wizard/catalog.js";
import {
  appendToToml,
  filterOver,
  generateRoute,
  type RouteAnswers,
  suggestFreeNames,
  suggestNames,
} from "../src/wizard/model.js";
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

describe("Route Wizard: the analyst's lab route in the real engine", () => {
  let samples: SampleCopy;
  beforeEach(() => {
    samples = copySamples();
  });
  afterEach(() => samples.remove());

  it("free names from the workspace graph; abnormal ORU routed, normal ORU filtered", async () => {
    // The workspace graph the wizard reads (the same JSON the language server serves).
    const graphRun = await samples.run(["graph", "--config", ".", "--json"]);
    const graph = JSON.parse(graphRun.stdout) as RegistryGraph;
    assert.ok(graph.nodes.some((n) => n.kind === "inbound" && n.name === "IB_LAB_ORU"));
    const names = suggestFreeNames("lab", "oru", graph, readdirSync(samples.configDir));
    assert.deepEqual(names, {
      inbound: "IB_LAB_ORU_2",
      outbound: "OB_LAB_ORU_2",
      router: "lab_oru_2_router",
      handler: "lab_oru_2_handler",
      moduleFile: "lab_oru_2.ts",
    });

    const types = messageTypesOf("2.5.1", "ORU").map((t) => t.type);
    const r = repeatsOf("2.5.1", types, "OBX-8");
    const answers: RouteAnswers = {
      inbound: {
        direction: "inbound",
        name: names.inbound,
        transport: "mllp",
        port: 2692,
        router: names.router,
      },
      router: { name: names.router, messageTypes: types },
      handlers: [
        {
          name: names.handler,
          filter: {
            path: "OBX-8",
            op: "oneOf",
            values: ["H", "L", "HH", "LL", "A", "AA"],
            quantifier: "any",
            over: filterOver(r, "any", "oneOf"),
          },
          mappings: [],
          outbounds: [names.outbound],
        },
      ],
      newOutbounds: [
        { direction: "outbound", name: names.outbound, transport: "mllp", host: "127.0.0.1", port: 2693 },
      ],
      moduleFile: names.moduleFile,
    };
    const files = generateRoute(answers);
    writeFileSync(join(samples.configDir, files.module.path), files.module.text);
    const tomlPath = join(samples.configDir, "connections.toml");
    const before = readFileSync(tomlPath, "utf8");
    writeFileSync(tomlPath, before + appendToToml(before, files.tomlAppend));

    // Loads and type-checks against the real messagefoundry API.
    const check = await samples.run(["check", "--config", ".", "--env", "dev", "--json"]);
    assert.deepEqual((JSON.parse(check.stdout) as { problems: unknown[] }).problems, [], check.stderr);

    const dryrun = async (file: string) => {
      const out = await samples.run([
        "dryrun",
        ...["--config", ".", "--env", "dev", "--inbound", names.inbound],
        ...["--messages", `../messages/${file}`, "--json"],
      ]);
      return readDryRun(parseJsonOutput(out, "dryrun")).results[0];
    };
    // The abnormal sample's first OBX is N: only "any OBX" routes it.
    const abnormal = await dryrun("oru_r01_abnormal.hl7");
    assert.equal(abnormal?.disposition, "PROCESSED");
    assert.deepEqual(
      abnormal?.deliveries.map((d) => d.outbound),
      [names.outbound],
    );
    const normal = await dryrun("oru_r01_normal.hl7");
    assert.equal(normal?.disposition, "FILTERED");
    assert.deepEqual(normal?.deliveries, []);
  });
});
