/**
 * Route Wizard filters over repeating segments and fields: the TypeScript each choice writes, run
 * against the real `messagefoundry/hl7` Message API on synthetic ORU messages (abnormal kept, normal
 * filtered), and the HL7-definition lookups the wizard's steps offer (message types, field search).
 */
import assert from "node:assert/strict";
import { type Message, parse } from "messagefoundry/hl7";
import { fieldChoices, findFields, messageTypesOf, repeatsOf } from "../src/wizard/catalog.js";
import {
  checkFilter,
  describeFilter,
  type FilterRule,
  filterLines,
  filterOver,
  parseValueList,
} from "../src/wizard/model.js";

const ABNORMAL = ["H", "L", "HH", "LL", "A", "AA"];

/** A synthetic ORU^R01 with one OBX per [value, flag]. */
function oru(results: [string, string][]): Message {
  const obx = results.map(
    ([value, flag], i) => `OBX|${i + 1}|NM|2823-3^Potassium^LN||${value}|mmol/L|3.5-5.1|${flag}|||F`,
  );
  const text = [
    "MSH|^~\\&|LAB|TEST_FACILITY|EHR|TEST_FACILITY|20260102||ORU^R01^ORU_R01|MSG0001|P|2.5.1",
    "PID|1||TEST0001^^^MEFOR^MR||FICTION^PERSON",
    "OBR|1|1^MEFOR|2^LAB|24323-8^Metabolic panel^LN",
    ...obx,
  ].join("\r");
  return parse(text);
}

/** The generated filter lines as a function of the message: true when the handler keeps it. */
function keeps(rule: FilterRule, msg: Message): boolean {
  // The filter lines are plain JavaScript (no type annotations), so they run as they are written.
  const body = `${filterLines(rule).join("\n")}\n  return ["kept"];`;
  const handler = new Function("msg", body) as (m: Message) => string[];
  return handler(msg).length > 0;
}

describe("Route Wizard filters over repeating segments and fields", () => {
  const anyAbnormal: FilterRule = {
    path: "OBX-8",
    op: "oneOf",
    values: ABNORMAL,
    quantifier: "any",
    over: "repetitions",
  };

  it("writes readable code on the real Message API (getAll for a repeating field)", () => {
    assert.deepEqual(filterLines(anyAbnormal), [
      "  // Keep only messages where any OBX-8 is one of H, L, HH, LL, A, AA.",
      '  const values = msg.getAll("OBX-8");',
      '  if (!values.some((v) => ["H", "L", "HH", "LL", "A", "AA"].includes(v))) return [];',
    ]);
    assert.deepEqual(filterLines({ ...anyAbnormal, quantifier: "all", over: "segments" }).slice(1), [
      '  const values = msg.segments("OBX").map((obx) => obx.get("OBX-8") ?? "");',
      '  if (values.length === 0 || !values.every((v) => ["H", "L", "HH", "LL", "A", "AA"].includes(v))) return [];',
    ]);
  });

  it("any OBX-8 is one of the abnormal flags: abnormal kept even when the first OBX is normal", () => {
    assert.equal(
      keeps(
        anyAbnormal,
        oru([
          ["85", "N"],
          ["5.3", "H"],
        ]),
      ),
      true,
    );
    assert.equal(
      keeps(
        anyAbnormal,
        oru([
          ["85", "N"],
          ["4.0", "N"],
        ]),
      ),
      false,
    );
    assert.equal(
      keeps(
        anyAbnormal,
        oru([
          ["85", ""],
          ["4.0", ""],
        ]),
      ),
      false,
    );
    // The first-only reading the wizard used to write misses the second OBX's H.
    assert.equal(
      keeps(
        { ...anyAbnormal, quantifier: "first" },
        oru([
          ["85", "N"],
          ["5.3", "H"],
        ]),
      ),
      false,
    );
  });

  it("every OBX (one per segment): kept only when each matches, and never for none", () => {
    const every: FilterRule = {
      path: "OBX-8",
      op: "oneOf",
      values: ABNORMAL,
      quantifier: "all",
      over: "segments",
    };
    assert.equal(
      keeps(
        every,
        oru([
          ["6", "H"],
          ["2", "L"],
        ]),
      ),
      true,
    );
    assert.equal(
      keeps(
        every,
        oru([
          ["6", "H"],
          ["4", "N"],
        ]),
      ),
      false,
    );
    assert.equal(
      keeps(
        every,
        oru([
          ["6", "H"],
          ["4", ""],
        ]),
      ),
      false,
    );
    assert.equal(keeps(every, oru([])), false);
  });

  it("is empty / is not empty, per occurrence", () => {
    const anyEmpty: FilterRule = { path: "OBX-8", op: "absent", quantifier: "any", over: "segments" };
    assert.equal(
      keeps(
        anyEmpty,
        oru([
          ["6", "H"],
          ["4", ""],
        ]),
      ),
      true,
    );
    assert.equal(
      keeps(
        anyEmpty,
        oru([
          ["6", "H"],
          ["4", "N"],
        ]),
      ),
      false,
    );
    const allFlagged: FilterRule = { path: "OBX-8", op: "present", quantifier: "all", over: "segments" };
    assert.equal(
      keeps(
        allFlagged,
        oru([
          ["6", "H"],
          ["4", "N"],
        ]),
      ),
      true,
    );
    assert.equal(
      keeps(
        allFlagged,
        oru([
          ["6", "H"],
          ["4", ""],
        ]),
      ),
      false,
    );
    assert.equal(keeps({ path: "PID-5", op: "present" }, oru([])), true);
    assert.equal(keeps({ path: "PID-8", op: "present" }, oru([])), false);
    assert.equal(keeps({ path: "PID-8", op: "absent" }, oru([])), true);
  });

  it("numeric comparisons: <, <=, >, >=, between; an empty or non-numeric value never passes", () => {
    const any = (op: FilterRule["op"], value: string, high?: string): FilterRule => ({
      path: "OBX-5",
      op,
      value,
      ...(high !== undefined && { high }),
      quantifier: "any",
      over: "segments",
    });
    const msg = oru([
      ["4.2", ""],
      ["5.3", ""],
    ]);
    assert.equal(keeps(any("gt", "5.1"), msg), true);
    assert.equal(keeps(any("gt", "5.3"), msg), false);
    assert.equal(keeps(any("ge", "5.3"), msg), true);
    assert.equal(keeps(any("lt", "4.2"), msg), false);
    assert.equal(keeps(any("le", "4.2"), msg), true);
    assert.equal(keeps(any("between", "4.5", "5.0"), msg), false);
    assert.equal(keeps(any("between", "5", "5.5"), msg), true);
    assert.equal(
      keeps(
        any("lt", "100"),
        oru([
          ["", ""],
          ["pending", ""],
        ]),
      ),
      false,
    );
    assert.equal(keeps({ path: "OBX-5", op: "gt", value: "5" }, msg), false, "first OBX only: 4.2");
  });

  it("equals / is not / is none of, on the first occurrence as before", () => {
    assert.deepEqual(filterLines({ path: "PV1-2", op: "equals", value: "I" }).slice(1), [
      '  if (msg.get("PV1-2") !== "I") return [];',
    ]);
    assert.equal(keeps({ path: "MSH-9.1", op: "equals", value: "ORU" }, oru([])), true);
    assert.equal(keeps({ path: "MSH-9.1", op: "notEquals", value: "ORU" }, oru([])), false);
    assert.equal(keeps({ path: "MSH-9.2", op: "notOneOf", values: ["R01", "R30"] }, oru([])), false);
    assert.equal(keeps({ path: "MSH-9.2", op: "oneOf", values: ["R01", "R30"] }, oru([])), true);
  });

  it("ranges over repetitions (getAll) only where that reads every value the condition needs", () => {
    const both = { segment: true, field: true };
    assert.equal(filterOver(both, "any", "oneOf"), "repetitions");
    assert.equal(filterOver(both, "all", "oneOf"), "segments");
    assert.equal(filterOver(both, "any", "absent"), "segments");
    assert.equal(filterOver({ segment: false, field: true }, "all", "equals"), "repetitions");
    assert.equal(filterOver({ segment: true, field: false }, "any", "gt"), "segments");
    // An OBX without a flag is an empty value in segment mode: "any OBX-8 is empty" finds it.
    const anyEmpty: FilterRule = {
      path: "OBX-8",
      op: "absent",
      quantifier: "any",
      over: filterOver(both, "any", "absent"),
    };
    assert.equal(
      keeps(
        anyEmpty,
        oru([
          ["6", "H"],
          ["4", ""],
        ]),
      ),
      true,
    );
  });

  it("describes and checks a filter; value lists parse from commas or spaces", () => {
    assert.equal(describeFilter(anyAbnormal), "any OBX-8 is one of H, L, HH, LL, A, AA");
    assert.deepEqual(parseValueList("H, L ,HH  LL,,H"), ["H", "L", "HH", "LL"]);
    assert.equal(checkFilter(anyAbnormal), undefined);
    assert.match(checkFilter({ path: "OBX-8", op: "oneOf", values: [] }) ?? "", /at least one value/);
    assert.match(checkFilter({ path: "OBX-5", op: "gt", value: "high" }) ?? "", /not a number/);
    assert.match(
      checkFilter({ path: "OBX-5", op: "between", value: "9", high: "3" }) ?? "",
      /above the upper/,
    );
  });
});

describe("Route Wizard choices from the HL7 definitions", () => {
  it("offers the version's trigger events of the family, never another family's", () => {
    const oru = messageTypesOf("2.5.1", "oru").map((t) => t.type);
    assert.deepEqual(oru, ["ORU^R01", "ORU^R30"]);
    assert.ok(messageTypesOf("2.8", "ORU").some((t) => t.type === "ORU^R32"));
    assert.ok(messageTypesOf("2.5.1", "ADT").some((t) => t.type === "ADT^A04"));
    assert.ok(!messageTypesOf("2.5.1", "ADT").some((t) => t.type.startsWith("ORU")));
    assert.deepEqual(messageTypesOf("2.5.1", "ZZZ"), []);
  });

  it("knows when a field can occur more than once in the chosen messages", () => {
    assert.deepEqual(repeatsOf("2.5.1", ["ORU^R01"], "OBX-8"), { segment: true, field: true });
    assert.deepEqual(repeatsOf("2.5.1", ["ORU^R01"], "OBX-5.1"), { segment: true, field: true });
    assert.deepEqual(repeatsOf("2.5.1", ["ORU^R01"], "MSH-9.2"), { segment: false, field: false });
    assert.deepEqual(repeatsOf("2.5.1", ["ADT^A01"], "PID-3.1"), { segment: false, field: true });
    assert.deepEqual(repeatsOf("2.5.1", ["ORU^R01"], "OBX[2]-8[1]"), { segment: false, field: false });
  });

  it("the field picker finds a field by its name: abnormal → OBX-8 Abnormal Flags", () => {
    const found = findFields(fieldChoices("2.5.1", ["ORU^R01"]), "abnormal");
    assert.equal(found[0]?.path, "OBX-8");
    assert.match(found[0]?.description ?? "", /^Abnormal Flags/);
    assert.ok(findFields(fieldChoices("2.5.1", ["ORU^R01"]), "OBX-8").some((c) => c.path === "OBX-8"));
  });
});
