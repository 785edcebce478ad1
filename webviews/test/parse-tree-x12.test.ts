import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { buildParseTree, displayValue, findNodes, MASK } from "../src/model/parse-tree.js";

const TEXT = [
  "ISA*00*          *00*          *ZZ*SAMPLECLINIC   *ZZ*SAMPLEPAYER    *261206*1200*^*00501*000000101*1*T*:~",
  "GS*HS*SAMPLECLINIC*SAMPLEPAYER*20261206*1200*101*X*005010X279A1~",
  "ST*270*0001*005010X279A1~",
  "NM1*IL*1*SAMPLE*ECHO****MI*TEST000001~",
  "EQ*30^1~",
  "SE*4*0001~",
  "GE*1*101~",
  "IEA*1*000000101~",
].join("\n");

describe("parse-tree model: X12", () => {
  const tree = buildParseTree(TEXT);

  it("shows an interchange as segments → elements → repetitions → components, named by the codec", () => {
    assert.deepEqual(
      tree.root.map((s) => [s.path, s.name]),
      [
        ["ISA", "Interchange Control Header"],
        ["GS", "Functional Group Header"],
        ["ST", "Transaction Set Header"],
        ["NM1", "Individual or Organizational Name"],
        ["EQ", "Eligibility or Benefit Inquiry"],
        ["SE", "Transaction Set Trailer"],
        ["GE", "Functional Group Trailer"],
        ["IEA", "Interchange Control Trailer"],
      ],
    );
    assert.deepEqual(tree.lookups, []);
    assert.equal(tree.version, "00501");
    const eq = tree.root[4]?.children[0];
    assert.deepEqual(
      eq?.children.map((r) => [r.kind, r.path, r.value]),
      [
        ["repetition", "EQ-01", "30"],
        ["repetition", "EQ-01(2)", "1"],
      ],
    );
    assert.equal(TEXT.slice(eq?.start, eq?.end), "30^1");
  });

  it("masks member names and ids; finds elements by path", () => {
    const [name] = findNodes(tree.root, "NM1-03");
    assert.ok(name);
    assert.equal(displayValue(name, true), MASK);
    assert.equal(displayValue(name, false), "SAMPLE");
    assert.equal(displayValue(findNodes(tree.root, "NM1-01")[0]!, true), "IL");
  });

  it("reports envelope issues and a text without ISA as problems", () => {
    assert.deepEqual(
      buildParseTree(TEXT.replace("SE*4*", "SE*9*")).problems.map((p) => p.message),
      ["SE-01 says 9; the set has 4 segments (ST and SE included)"],
    );
  });
});
