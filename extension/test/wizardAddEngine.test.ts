/**
 * What the Router Wizard, the Handler Wizard and Clone Connection write, in the real engine: the edits are
 * applied to a copy of samples/config, `messagefoundry check` loads and type-checks it, and a real dry run
 * shows the new router / handler routing a sample (exact dispositions, deliveries and payload).
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RegistryGraph } from "messagefoundry/graph";
import { parseJsonOutput } from "../src/cli/index.js";
import {
  checkInboundForRouter,
  generateRouterModule,
  handlerEdits,
  inboundChoices,
  routerChoices,
  routerIsHl7,
  suggestHandlerName,
  validateHandlerWizard,
  validateRouterWizard,
} from "../src/wizard/addModel.js";
import { clonePort, cloneTomlTable, cloneTsStatement, freeCloneName } from "../src/wizard/cloneModel.js";
import { appendToToml } from "../src/wizard/model.js";
import { applyEdits } from "../src/wizard/tsEdit.js";
import { copySamples, type SampleCopy } from "./support/engineCli.js";

interface Result {
  disposition: string;
  handlers: { name: string; disposition: string }[];
  deliveries: { handler: string; outbound: string; payload?: string }[];
}

describe("Router / Handler Wizards and Clone Connection in the real engine", function () {
  this.timeout(120_000);
  let samples: SampleCopy;
  beforeEach(() => {
    samples = copySamples();
  });
  afterEach(() => samples.remove());

  const graphOf = async () =>
    JSON.parse((await samples.run(["graph", "--config", ".", "--json"])).stdout) as RegistryGraph;
  /** `messagefoundry check`: loads and type-checks; the samples' fixtures may report changed deliveries. */
  const check = async (fixtureMessages: string[] = []) => {
    const out = await samples.run(["check", "--config", ".", "--env", "dev", "--json"]);
    const problems = (JSON.parse(out.stdout) as { problems: { message: string }[] }).problems;
    assert.deepEqual(
      problems.map((p) => p.message),
      fixtureMessages,
      out.stderr,
    );
  };
  const dryrun = async (inbound: string, file: string): Promise<Result[]> => {
    const out = await samples.run([
      "dryrun",
      ...["--config", ".", "--env", "dev", "--inbound", inbound],
      ...["--messages", `../messages/${file}`, "--json", "--show-phi"],
    ]);
    return (parseJsonOutput(out, "dryrun") as { results: Result[] }).results;
  };
  const edit = (file: string, f: (text: string) => string) => {
    const path = join(samples.configDir, file);
    writeFileSync(path, f(readFileSync(path, "utf8")));
  };

  it("Handler Wizard: a handler added to lab_oru_router routes the abnormal ORU beside the old one", async () => {
    const graph = await graphOf();
    const router = routerChoices(graph).find((r) => r.name === "lab_oru_router");
    assert.equal(router?.location.file, "oru.ts");
    const answers = {
      router: "lab_oru_router",
      hl7: routerIsHl7(graph, "lab_oru_router"),
      handler: {
        name: suggestHandlerName("lab_oru_router", graph),
        filter: {
          path: "OBX-8",
          op: "oneOf" as const,
          values: ["H"],
          quantifier: "any" as const,
          over: "repetitions" as const,
        },
        mappings: [{ target: "MSH-5", value: "ONCALL" }],
        outbounds: ["OB_CLINIC_ORU"],
      },
      newOutbounds: [],
    };
    assert.equal(answers.handler.name, "lab_oru_handler");
    assert.equal(answers.hl7, true);
    assert.deepEqual(validateHandlerWizard(answers, graph), []);
    let failed: string | undefined;
    edit("oru.ts", (text) => {
      const r = handlerEdits(text, answers);
      if ("error" in r) {
        failed = r.error;
        return text;
      }
      return applyEdits(text, r.edits);
    });
    assert.equal(failed, undefined);
    // Loads and type-checks; the samples' own regression fixture now sees the second delivery.
    await check([
      "tests/lab_oru_abnormal.json: deliveries to OB_CLINIC_ORU, OB_CLINIC_ORU, expected OB_CLINIC_ORU",
    ]);
    const [abnormal] = await dryrun("IB_LAB_ORU", "oru_r01_abnormal.hl7");
    assert.equal(abnormal?.disposition, "PROCESSED");
    assert.deepEqual(
      abnormal?.deliveries.map((d) => [d.handler, d.outbound, d.payload?.split(/\r\n?|\n/)[0]]),
      [
        [
          "lab_oru_abnormal",
          "OB_CLINIC_ORU",
          "MSH|^~\\&|MEFOR_GEN|TEST_FACILITY|CLINIC|TEST_FACILITY|20260102234131||ORU^R01^ORU_R01|MF442572170001|P|2.5.1",
        ],
        [
          "lab_oru_handler",
          "OB_CLINIC_ORU",
          "MSH|^~\\&|MEFOR_GEN|TEST_FACILITY|ONCALL|TEST_FACILITY|20260102234131||ORU^R01^ORU_R01|MF442572170001|P|2.5.1",
        ],
      ],
    );
    const [normal] = await dryrun("IB_LAB_ORU", "oru_r01_normal.hl7");
    assert.deepEqual(
      normal?.handlers.map((h) => [h.name, h.disposition]),
      [
        ["lab_oru_abnormal", "FILTERED"],
        ["lab_oru_handler", "FILTERED"],
      ],
    );
  });

  it("Router Wizard: a router for an inbound without one; refuses an inbound that has one", async () => {
    edit(
      "connections.toml",
      (text) =>
        text +
        appendToToml(
          text,
          '\n[[inbound]]\nname = "IB_NEW_ADT"\ntransport = "mllp"\nrouter = "new_adt_router"\n[inbound.settings]\nport = 2690\n',
        ),
    );
    const graph = await graphOf();
    const choices = inboundChoices(graph);
    const fresh = choices.find((c) => c.name === "IB_NEW_ADT")!;
    assert.equal(choices[0]?.name, "IB_NEW_ADT", "inbounds without a router come first");
    assert.equal(checkInboundForRouter(fresh), undefined);
    const acme = choices.find((c) => c.name === "IB_ACME_ADT")!;
    assert.equal(
      checkInboundForRouter(acme),
      'IB_ACME_ADT already has a router, acme_adt_router (adt.ts:13). Add a handler to it with "Add Handler to Router…" instead.',
    );
    const answers = {
      inbound: "IB_NEW_ADT",
      hl7: fresh.hl7,
      router: fresh.router!,
      messageTypes: ["ADT^A01"],
      existingHandlers: ["acme_adt_to_emr"],
      newHandlers: [
        {
          name: "new_adt_handler",
          mappings: [{ target: "PID-5.1", from: "PID-5.1", transform: "lower" as const }],
          outbounds: ["OB_EMR_ADT"],
        },
      ],
      newOutbounds: [],
      moduleFile: "new_adt_router.ts",
    };
    assert.deepEqual(validateRouterWizard(answers, graph), []);
    assert.deepEqual(
      validateRouterWizard({ ...answers, inbound: "IB_ACME_ADT", router: "acme_adt_router" }, graph),
      [checkInboundForRouter(acme), "A router named acme_adt_router already exists (adt.ts:13)."],
    );
    writeFileSync(join(samples.configDir, answers.moduleFile), generateRouterModule(answers).module.text);
    await check();
    const [a01] = await dryrun("IB_NEW_ADT", "adt_a01.hl7");
    assert.deepEqual(
      a01?.deliveries.map((d) => [d.handler, d.outbound]),
      [
        ["acme_adt_to_emr", "OB_EMR_ADT"],
        ["new_adt_handler", "OB_EMR_ADT"],
      ],
    );
    assert.equal(
      a01?.deliveries[1]?.payload?.split(/\r\n?|\n/)[2],
      "PID|1||TEST841040^^^MEFOR^MR||sample^ECHO||19610119|M|||100 TEST STREET^^SPRINGFIELD^ZZ^00000",
    );
    const [a08] = await dryrun("IB_NEW_ADT", "adt_a08.hl7");
    assert.equal(a08?.disposition, "UNROUTED");
  });

  it("Clone Connection: a TOML inbound and a TypeScript inbound, on the next free ports, load and route", async () => {
    const graph = await graphOf();
    const lab = graph.nodes.find((n) => n.name === "IB_LAB_ORU")!;
    const acme = graph.nodes.find((n) => n.name === "IB_ACME_ADT")!;
    const labName = freeCloneName(lab.name, graph);
    const labPort = clonePort(lab, graph);
    assert.deepEqual([labName, labPort], ["IB_LAB_ORU_2", 2605]);
    let problem: string | undefined;
    edit("connections.toml", (text) => {
      const c = cloneTomlTable(text, lab.name, labName, labPort);
      if ("error" in c) problem = c.error;
      return "error" in c ? text : applyEdits(text, [c.edit]);
    });
    // The TOML clone is now in the graph: the TypeScript clone's port skips it.
    const graph2 = await graphOf();
    const acmePort = clonePort(acme, graph2);
    edit("adt.ts", (text) => {
      const c = cloneTsStatement(text, acme.name, freeCloneName(acme.name, graph2), acmePort);
      if ("error" in c) problem = c.error;
      return "error" in c ? text : applyEdits(text, [c.edit]);
    });
    assert.equal(problem, undefined);
    await check();
    const after = await graphOf();
    const ports = (name: string) => after.nodes.find((n) => n.name === name)?.settings?.port;
    assert.deepEqual(["IB_LAB_ORU", "IB_LAB_ORU_2", "IB_ACME_ADT", "IB_ACME_ADT_2"].map(ports), [
      2602,
      2605,
      2601,
      acmePort,
    ]);
    assert.equal(acmePort, 2606);
    const [abnormal] = await dryrun("IB_LAB_ORU_2", "oru_r01_abnormal.hl7");
    assert.deepEqual(
      abnormal?.deliveries.map((d) => d.handler),
      ["lab_oru_abnormal"],
    );
  });
});
