/**
 * Trace → values for the Steps view: the rows of samples/config/oru.ts (from the language server's
 * Steps model, on the file's real text) with the traces `dryrun --json --trace --show-phi` prints for
 * the abnormal and the normal ORU samples (copied from the real output).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigModel, engineDictionary, type FsHost, stepsOf } from "@messagefoundry/language-server/core";
import type { StepsFunction } from "@messagefoundry/language-server/protocol";
import type { DryRunResult, TraceStep } from "messagefoundry/api";
import { describe, it } from "mocha";
import { liveValues, maskValue, type RowLive } from "../src/model/steps-live.js";

const noFs: FsHost = {
  libDir: "/nonexistent",
  readFile: () => undefined,
  fileExists: () => false,
  directoryExists: () => false,
};

function steps(name: string): StepsFunction {
  const model = new ConfigModel("/cfg", noFs, engineDictionary());
  model.setFile("oru.ts", readFileSync(join(import.meta.dirname, "../../samples/config/oru.ts"), "utf8"));
  const a = stepsOf(model, "oru.ts", { name });
  assert.ok(a);
  return a.steps;
}

const ROUTER: TraceStep = {
  step: "router",
  name: "lab_oru_router",
  file: "oru.ts",
  line: 7,
  reads: [{ path: "MSH-9", value: "ORU^R01", file: "oru.ts", line: 7 }],
  writes: [],
  result: { kind: "handlers", handlers: ["lab_oru_abnormal"] },
};

const run = (disposition: DryRunResult["disposition"], handler: TraceStep): DryRunResult => ({
  source: "m.hl7",
  index: 0,
  inbound: "IB_LAB_ORU",
  disposition,
  handlers: [],
  deliveries: [],
  trace: [ROUTER, handler],
});

const ABNORMAL = run("PROCESSED", {
  step: "handler",
  name: "lab_oru_abnormal",
  file: "oru.ts",
  line: 9,
  reads: [{ path: "OBX-8", value: "N~N~H~H", file: "oru.ts", line: 10 }],
  writes: [{ path: "MSH-5", before: "RECEIVER", after: "CLINIC", file: "oru.ts", line: 12 }],
  result: { kind: "sends", sends: [{ outbound: "OB_CLINIC_ORU", file: "oru.ts", line: 16 }] },
});

const NORMAL = run("FILTERED", {
  step: "handler",
  name: "lab_oru_abnormal",
  file: "oru.ts",
  line: 9,
  reads: [{ path: "OBX-8", value: "N~N", file: "oru.ts", line: 10 }],
  writes: [],
  result: { kind: "nothing" },
});

/** `id status [branch] values` per row. */
const render = (fn: StepsFunction, r: DryRunResult, mask = true) => {
  const live = liveValues(fn, r, mask);
  const ids: string[] = [];
  const walk = (b: StepsFunction["body"]) => {
    for (const row of b.rows) {
      ids.push(row.id);
      for (const c of row.blocks ?? []) walk(c);
    }
  };
  walk(fn.body);
  return [
    live.summary,
    ...ids
      .map((id) => [id, live.rows[id] ?? ({ status: "unknown", values: ["missing"] } as RowLive)] as const)
      .map(
        ([id, l]) =>
          `${id} ${l.status}${l.branch ? ` ${l.branch}` : ""}${l.values.length ? ` ${l.values.join("; ")}` : ""}`,
      ),
  ];
};

describe("Steps live values (trace → rows)", () => {
  it("puts each read, write and send beside its row and infers the branch not taken", () => {
    assert.deepEqual(render(steps("lab_oru_abnormal"), ABNORMAL), [
      "Handler lab_oru_abnormal sent to OB_CLINIC_ORU; the message ended PROCESSED.",
      '0 ran OBX-8 = "N~N~H~H"',
      "1 ran none",
      "1:then/0 skipped",
      '2 ran MSH-5: "RECEIVER" → "CLINIC"',
      "3 ran",
      "3:body/0 unknown",
      "4 ran → OB_CLINIC_ORU",
    ]);
  });

  it("a filtered message: the stop that ran, and the rows after it skipped", () => {
    assert.deepEqual(render(steps("lab_oru_abnormal"), NORMAL), [
      "Handler lab_oru_abnormal returned nothing (filtered); the message ended FILTERED.",
      '0 ran OBX-8 = "N~N"',
      "1 ran then",
      "1:then/0 ran → nothing",
      "2 skipped",
      "3 skipped",
      "3:body/0 skipped",
      "4 skipped",
    ]);
  });

  it("a router's conditional: the condition's read on the if, the branch by the handlers it returned", () => {
    assert.deepEqual(render(steps("lab_oru_router"), NORMAL), [
      "Router lab_oru_router routed to lab_oru_abnormal; the message ended FILTERED.",
      '0 ran then MSH-9 = "ORU^R01"',
      "0:then/0 ran → lab_oru_abnormal",
      "0:else/0 skipped",
    ]);
  });

  it("lists what a helper the rows call read and wrote, with its file and line", () => {
    const handler = (ABNORMAL.trace ?? [])[1] as TraceStep;
    const withHelper: TraceStep = {
      ...handler,
      writes: [
        ...handler.writes,
        { path: "PID-5.1", before: "Doe", after: "DOE", file: "_helpers/names.ts", line: 5 },
      ],
    };
    const r = { ...ABNORMAL, trace: [ROUTER, withHelper] };
    assert.deepEqual(liveValues(steps("lab_oru_abnormal"), r).elsewhere, [
      '_helpers/names.ts:5 PID-5.1: "•••" → "•••"',
    ]);
    assert.deepEqual(liveValues(steps("lab_oru_abnormal"), ABNORMAL).elsewhere, []);
  });

  it("a function that did not run, and identifiers masked unless asked", () => {
    const unrouted: DryRunResult = { ...NORMAL, disposition: "UNROUTED", trace: [ROUTER] };
    assert.deepEqual(
      liveValues(steps("lab_oru_abnormal"), unrouted).summary,
      "Handler lab_oru_abnormal did not run for this message (UNROUTED).",
    );
    assert.equal(maskValue("PID-5.1", "DOE", true), "•••");
    assert.equal(maskValue("PID-5.1", "DOE", false), "DOE");
    assert.equal(maskValue("MSH-9.2", "A01", true), "A01");
  });
});
