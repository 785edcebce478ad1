import assert from "node:assert/strict";
import { type Hl7Node, locate, parse, parseBatch } from "messagefoundry/hl7";
import { describe, it } from "mocha";
import { ADT_A01 } from "./fixtures.js";

function text(src: string, n: Hl7Node): string {
  return src.slice(n.start, n.end);
}

describe("hl7 parse tree offsets", () => {
  it("puts start/end on every segment, field, repetition, component and subcomponent", () => {
    const m = parse(ADT_A01);
    const tree = m.tree();
    assert.equal(tree.start, 0);
    assert.equal(tree.end, ADT_A01.length);
    let nodes = 0;
    for (const seg of tree.segments) {
      assert.equal(text(ADT_A01, seg), seg.value);
      assert.ok(seg.value.startsWith(seg.name));
      for (const f of seg.fields) {
        assert.equal(text(ADT_A01, f), f.value);
        for (const r of f.repetitions) {
          assert.equal(text(ADT_A01, r), r.value);
          for (const c of r.components) {
            assert.equal(text(ADT_A01, c), c.value);
            for (const s of c.subcomponents) {
              assert.equal(text(ADT_A01, s), s.value);
              nodes++;
            }
          }
        }
      }
    }
    assert.ok(nodes > 40);
    const pid = tree.segments[2]!;
    const f3 = pid.fields.find((f) => f.index === 3)!;
    assert.equal(f3.repetitions.length, 2);
    assert.equal(f3.repetitions[1]!.components[3]!.value, "SSA");
  });

  it("numbers MSH fields per the standard, MSH-1 being the separator", () => {
    const msh = parse(ADT_A01).tree().segments[0]!;
    assert.deepEqual(
      msh.fields.slice(0, 3).map((f) => [f.index, f.value, f.start, f.end]),
      [
        [1, "|", 3, 4],
        [2, "^~\\&", 4, 8],
        [3, "SENDAPP", 9, 16],
      ],
    );
  });

  it("uses file-wide offsets for messages of a batch", () => {
    const file = `${ADT_A01}${ADT_A01.replace("MSG00001", "MSG00002")}`;
    const [, second] = parseBatch(file);
    const seg = second!.tree().segments[2]!;
    assert.equal(file.slice(seg.start, seg.end), seg.value);
    assert.ok(seg.start > ADT_A01.length);
  });

  it("locates the innermost node and names its path", () => {
    const m = parse(ADT_A01);
    const tree = m.tree();
    const at = ADT_A01.indexOf("SSA");
    const loc = locate(tree, at + 1);
    assert.equal(loc?.path, "PID-3[2].4");
    assert.equal(loc?.component?.value, "SSA");
    const z = ADT_A01.indexOf("&z");
    assert.equal(locate(tree, z + 1)?.path, "ZPI-2.2.2");
    assert.equal(locate(tree, 1)?.path, "MSH");
  });

  it("after an edit, offsets point into encode()", () => {
    const m = parse(ADT_A01);
    m.set("EVN-1", "A01-LONGER-VALUE");
    const out = m.encode();
    for (const seg of m.tree().segments) {
      assert.equal(out.slice(seg.start, seg.end), seg.value);
      for (const f of seg.fields) assert.equal(out.slice(f.start, f.end), f.value);
    }
  });
});
