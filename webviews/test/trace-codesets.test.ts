/** The Test Bench's "which code set mapped which value", from a traced dry run result. */
import assert from "node:assert/strict";
import type { DryRunResult, TraceStep } from "messagefoundry/api";
import { describe, it } from "mocha";
import { codeSetMappings } from "../src/model/trace-explain.js";

function result(steps: TraceStep[]): DryRunResult {
  return {
    source: "m.hl7",
    index: 0,
    inbound: "IB",
    disposition: "PROCESSED",
    handlers: [],
    deliveries: [],
    trace: steps,
  };
}

const step = (name: string, codeSets: TraceStep["codeSets"]): TraceStep => ({
  step: "handler",
  name,
  file: "oru.ts",
  line: 9,
  reads: [],
  writes: [],
  ...(codeSets ? { codeSets } : {}),
  result: { kind: "nothing" },
});

describe("trace → code set mappings", () => {
  it("says which set mapped which value and where it came from; repeats in a step merge", () => {
    const r = result([
      step("route", undefined),
      step("lab", [
        {
          codeSet: "flags",
          source: "table",
          defaultUsed: false,
          code: "H",
          value: "High",
          file: "oru.ts",
          line: 15,
        },
        {
          codeSet: "flags",
          source: "table",
          defaultUsed: false,
          code: "H",
          value: "High",
          file: "oru.ts",
          line: 15,
        },
        {
          codeSet: "flags",
          source: "default",
          defaultUsed: true,
          code: "Z",
          value: "Other",
          file: "oru.ts",
          line: 15,
        },
        { codeSet: "sex", source: "code", defaultUsed: false, code: "Q", value: "Q" },
        { codeSet: "sex", source: "none", defaultUsed: false, code: "Q", value: null },
      ]),
    ]);
    assert.deepEqual(codeSetMappings(r), [
      {
        codeSet: "flags",
        step: "lab",
        text: "H → High",
        defaultUsed: false,
        count: 2,
        file: "oru.ts",
        line: 15,
      },
      {
        codeSet: "flags",
        step: "lab",
        text: "Z → Other (default row)",
        defaultUsed: true,
        count: 1,
        file: "oru.ts",
        line: 15,
      },
      {
        codeSet: "sex",
        step: "lab",
        text: "Q → Q (not in the table: kept as is)",
        defaultUsed: false,
        count: 1,
      },
      { codeSet: "sex", step: "lab", text: "Q → nothing (not in the table)", defaultUsed: false, count: 1 },
    ]);
  });

  it("without --show-phi only the set and the source are known", () => {
    const r = result([step("lab", [{ codeSet: "flags", source: "default", defaultUsed: true }])]);
    assert.deepEqual(
      codeSetMappings(r).map((m) => m.text),
      ["(value not shown) (default row)"],
    );
    assert.deepEqual(codeSetMappings(result([])), []);
  });
});
