import assert from "node:assert/strict";
import type { DryRunResult, TraceStep } from "messagefoundry/api";
import { describe, it } from "mocha";
import { explainResult } from "../src/model/trace-explain.js";

const router = (handlers: string[], value?: string): TraceStep => ({
  step: "router",
  name: "lab_oru_router",
  file: "oru.ts",
  line: 7,
  reads: [value === undefined ? { path: "MSH-9" } : { path: "MSH-9", value }],
  writes: [],
  result: { kind: "handlers", handlers },
});
const result = (disposition: DryRunResult["disposition"], trace?: TraceStep[]): DryRunResult => ({
  source: "m.hl7",
  index: 0,
  inbound: "IB_LAB_ORU",
  disposition,
  handlers: [],
  deliveries: [],
  ...(trace ? { trace } : {}),
});

describe("explainResult (why UNROUTED / FILTERED)", () => {
  it("UNROUTED: the router that returned no handler, its line and what it read", () => {
    assert.deepEqual(explainResult(result("UNROUTED", [router([], "ADT^A01")])), [
      {
        step: "router",
        name: "lab_oru_router",
        file: "oru.ts",
        line: 7,
        text: "Router lab_oru_router (oru.ts:7) returned no handler.",
        reads: ["MSH-9 = ADT^A01"],
      },
    ]);
  });

  it("FILTERED: only the handlers that returned nothing; reads without values stay paths, deduplicated", () => {
    const send: TraceStep = {
      step: "handler",
      name: "copy",
      file: "oru.ts",
      line: 20,
      reads: [],
      writes: [],
      result: { kind: "sends", sends: [{ outbound: "OB" }] },
    };
    const nothing: TraceStep = {
      step: "handler",
      name: "lab_oru_abnormal",
      file: "oru.ts",
      line: 9,
      reads: [{ path: "OBX-8" }, { path: "OBX-8" }, { path: "PID-3", value: null }],
      writes: [],
      result: { kind: "nothing" },
    };
    const why = explainResult(result("FILTERED", [router(["copy", "lab_oru_abnormal"]), send, nothing]));
    assert.deepEqual(
      why.map((w) => [w.text, w.reads]),
      [["Handler lab_oru_abnormal (oru.ts:9) returned nothing.", ["OBX-8", "PID-3 (absent)"]]],
    );
  });

  it("nothing to explain for PROCESSED or an untraced result", () => {
    assert.deepEqual(explainResult(result("PROCESSED", [router(["x"])])), []);
    assert.deepEqual(explainResult(result("UNROUTED")), []);
  });
});
