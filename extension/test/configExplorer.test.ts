/**
 * The config explorer's content from the real samples config's graph (`messagefoundry graph --json`,
 * the JSON the language server serves): four groups in flow order, each node with where it sends and
 * the declaration a click opens.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RegistryGraph } from "messagefoundry/graph";
import { explorerGroups } from "../src/explorer/model.js";
import { copySamples, type SampleCopy } from "./support/engineCli.js";

describe("config explorer", () => {
  let samples: SampleCopy;
  before(() => {
    samples = copySamples();
  });
  after(() => samples.remove());

  it("lists the workspace's inbounds, routers, handlers and outbounds with their wiring and declarations", async () => {
    const out = await samples.run(["graph", "--config", ".", "--json"]);
    const groups = explorerGroups(JSON.parse(out.stdout) as RegistryGraph);
    assert.deepEqual(
      groups.map((g) => g.kind),
      ["inbound", "router", "handler", "outbound"],
    );
    const [inbounds, routers, handlers, outbounds] = groups;
    assert.match(inbounds?.label ?? "", /^Inbounds \(\d+\)$/);
    const lab = inbounds?.items.find((i) => i.name === "IB_LAB_ORU");
    assert.equal(lab?.description, "mllp → lab_oru_router");
    assert.equal(lab?.location.file, "connections.toml");
    const router = routers?.items.find((i) => i.name === "lab_oru_router");
    assert.equal(router?.description, "→ lab_oru_abnormal");
    // The location is the name in its declaration: what go-to-definition selects.
    const line = readFileSync(join(samples.configDir, router?.location.file ?? ""), "utf8").split("\n")[
      (router?.location.line ?? 0) - 1
    ];
    assert.equal(
      line?.slice((router?.location.column ?? 0) - 1, (router?.location.endColumn ?? 0) - 1),
      '"lab_oru_router"',
      "the name literal, quotes included",
    );
    assert.equal(handlers?.items.find((i) => i.name === "lab_oru_abnormal")?.description, "→ OB_CLINIC_ORU");
    assert.ok(outbounds?.items.some((i) => i.name === "OB_CLINIC_ORU" && i.description === "file"));
    const names = outbounds?.items.map((i) => i.name) ?? [];
    assert.deepEqual(
      names,
      [...names].sort((a, b) => a.localeCompare(b)),
    );
  });

  it("an empty config still shows the four groups, each saying none", () => {
    const groups = explorerGroups({ version: 1, nodes: [], edges: [], envUses: [] });
    assert.deepEqual(
      groups.map((g) => g.label),
      ["Inbounds (0)", "Routers (0)", "Handlers (0)", "Outbounds (0)"],
    );
  });
});
