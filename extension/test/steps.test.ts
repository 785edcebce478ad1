/**
 * The Steps panel's host-side helpers: what "Open as Steps" was run on, and which inbound feeds a
 * function — checked against the real CLI's graph and traced dry run of the samples.
 */
import assert from "node:assert/strict";
import type { DryRunOutput } from "messagefoundry/api";
import type { RegistryGraph } from "messagefoundry/graph";
import { parseJsonOutput } from "../src/cli/index.js";
import { inboundsFeeding, ranIn, stepsTarget } from "../src/steps/index.js";
import { dryRunArgs, readDryRun } from "../src/testbench/index.js";
import { copySamples, type SampleCopy } from "./support/engineCli.js";

describe("Steps: what Open as Steps was run on", () => {
  const join = (dir: unknown, file: string) => (typeof dir === "string" ? `${dir}/${file}` : undefined);

  it("takes the code lens' (uri, kind, name) and a config explorer / graph item", () => {
    assert.deepEqual(stepsTarget(["file:///c/adt.ts", "handler", "h1"], join), {
      uri: "file:///c/adt.ts",
      kind: "handler",
      name: "h1",
    });
    const item = {
      type: "item",
      dir: "file:///c",
      item: { kind: "router", name: "r1", location: { file: "adt.ts" } },
    };
    assert.deepEqual(stepsTarget([item], join), { uri: "file:///c/adt.ts", kind: "router", name: "r1" });
  });

  it("is nothing for an inbound or no argument (the command then uses the cursor)", () => {
    const inbound = { dir: "file:///c", item: { kind: "inbound", name: "IB", location: { file: "adt.ts" } } };
    assert.equal(stepsTarget([inbound], join), undefined);
    assert.equal(stepsTarget([], join), undefined);
  });
});

describe("Steps: the inbound a function's live values come from (real CLI)", function () {
  this.timeout(180_000);
  let samples: SampleCopy;
  before(() => {
    samples = copySamples();
  });
  after(() => samples.remove());

  it("finds the inbounds feeding a router or handler, and the run where the handler ran", async () => {
    const graph = parseJsonOutput<RegistryGraph>(
      await samples.run(["graph", "--config", ".", "--json"]),
      "graph",
    );
    assert.deepEqual(inboundsFeeding(graph, "handler", "acme_adt_to_billing"), ["IB_ACME_ADT"]);
    assert.deepEqual(inboundsFeeding(graph, "router", "lab_oru_router"), ["IB_LAB_ORU"]);
    assert.deepEqual(inboundsFeeding(graph, "handler", "nobody"), []);
    const run = async (inbound: string): Promise<DryRunOutput> =>
      readDryRun(
        parseJsonOutput(
          await samples.run(dryRunArgs("dev", "../messages/adt_a01.hl7", { showPhi: false, inbound })),
          "dryrun",
        ),
      );
    assert.equal(ranIn(await run("IB_ACME_ADT"), "handler", "acme_adt_to_billing"), true);
    assert.equal(ranIn(await run("IB_LAB_ORU"), "handler", "acme_adt_to_billing"), false);
  });
});
