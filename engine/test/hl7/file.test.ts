import assert from "node:assert/strict";
import { locateInFile, nodePath, parse, parseFileTree, unescapeValue } from "messagefoundry/hl7";
import { describe, it } from "mocha";
import { ADT_A01 } from "./fixtures.js";

const msg = (id: string) => ADT_A01.replace("MSG00001", id);

describe("hl7 file trees (hover and the parse-tree view)", () => {
  it("reads a batch: each message's tree, the envelope segments and skipped text, offsets file-wide", () => {
    const file = `FHS|^~\\&|APP\rBHS|^~\\&|APP\rjunk\r${msg("A1")}${msg("A2")}BTS|2\rFTS|1\r`;
    const f = parseFileTree(file);
    assert.deepEqual(
      f.messages.map((m) => m.message.controlId),
      ["A1", "A2"],
    );
    assert.deepEqual(
      f.envelope.map((s) => [s.name, s.occurrence, file.slice(s.start, s.end)]),
      [
        ["FHS", 1, "FHS|^~\\&|APP"],
        ["BHS", 1, "BHS|^~\\&|APP"],
        ["BTS", 1, "BTS|2"],
        ["FTS", 1, "FTS|1"],
      ],
    );
    assert.deepEqual(
      f.issues.map((i) => [i.code, file.slice(i.start, i.end)]),
      [["HL7_TEXT_OUTSIDE_MESSAGE", "junk"]],
    );
    const pid2 = f.messages[1]!.tree.segments[2]!;
    assert.equal(file.slice(pid2.start, pid2.end), pid2.value);
  });

  it("locates nodes in any message and in the envelope, saying which message", () => {
    const file = `BHS|^~\\&|APP\r${msg("A1")}${msg("A2")}BTS|2\r`;
    const f = parseFileTree(file);
    const second = file.lastIndexOf("SSA");
    assert.deepEqual([locateInFile(f, second)?.message, locateInFile(f, second)?.path], [1, "PID-3[2].4"]);
    // The first character of message 2 is also message 1's end (after its terminator).
    const start2 = f.messages[1]!.tree.start;
    assert.deepEqual([locateInFile(f, start2)?.message, locateInFile(f, start2)?.path], [1, "MSH"]);
    const bts = locateInFile(f, file.indexOf("BTS|2") + 4);
    assert.deepEqual([bts?.message, bts?.path, bts?.field?.value], [undefined, "BTS-1", "2"]);
    assert.equal(locateInFile(f, file.indexOf("BHS") + 10)?.path, "BHS-3");
  });

  it("splits an envelope segment by its own header's separators", () => {
    const file = `BHS|*~\\&|APP*X\r${msg("A1")}`;
    const f = parseFileTree(file);
    const bhs3 = f.envelope[0]!.fields[2]!;
    assert.deepEqual(
      bhs3.repetitions[0]!.components.map((c) => c.value),
      ["APP", "X"],
    );
  });
});

describe("hl7 node paths (one spelling for hover, the parse tree and the diff)", () => {
  const text = "MSH|^~\\&|A|B\rPID|1||1^^^H~2&Q^^^S||DOE^J\rOBX|1\rOBX|2|ST|a&b";
  const tree = parse(text).tree();
  const at = (needle: string, delta = 0) => {
    const seg = tree.segments.find((s) => text.indexOf(needle) >= s.start && text.indexOf(needle) <= s.end)!;
    const off = text.indexOf(needle) + delta;
    const field = seg.fields.find((f) => off >= f.start && off <= f.end);
    const rep = field?.repetitions.find((r) => off >= r.start && off <= r.end);
    const comp = rep?.components.find((c) => off >= c.start && off <= c.end);
    const sub = comp?.subcomponents.find((s) => off >= s.start && off <= s.end);
    return nodePath(seg, field, rep, comp, sub);
  };

  it("adds [r] only for a repeating field, .C for components, .C.S for subcomponents", () => {
    assert.equal(at("DOE"), "PID-5.1");
    assert.equal(at("Q"), "PID-3[2].1.2");
    assert.equal(at("^^^S|", 3), "PID-3[2].4");
    assert.equal(at("|1|", 1), "PID-1");
  });

  it("numbers repeated segments and names a lone component's subcomponents", () => {
    // OBX[2]-3 is one component with two subcomponents: its path still says which one.
    assert.equal(at("b"), "OBX[2]-3.1.2");
    assert.equal(nodePath(tree.segments[3]!), "OBX[2]");
  });

  it("spells paths that Message.get reads back as the node's own value, at every offset of a batch", () => {
    const file = [
      "BHS|^~\\&|APP",
      "MSH|^~\\&|A|B|C|D|20260101||ORU^R01|1|P|2.5.1",
      "PID|1||1^^^H&1.2&ISO~2&Q^^^S||DOE\\S\\X^JANE\\T\\Q&VAN~ALIAS|F&X",
      "OBX|1|ST|C^T^L||one\\.br\\two\\F\\three",
      "OBX|2|CWE|C^Text&More^L||A~B~C",
      "MSH#*@!%#A#B#C#D#20260101##ADT*A08#2#P#2.3",
      "PID#1##9*8@7%6",
      "BTS|2",
    ].join("\r");
    const f = parseFileTree(file);
    let checked = 0;
    for (let offset = 0; offset <= file.length; offset++) {
      const at = locateInFile(f, offset);
      if (!at?.field || at.message === undefined || (at.segment.name === "MSH" && at.field.index <= 2))
        continue;
      const m = f.messages[at.message]!.message;
      // The path names a leaf: the deepest part it spells holds no lower separators.
      const depth = at.path.split(".").length - 1;
      const leaf = depth === 2 ? at.subcomponent : depth === 1 ? at.component : at.repetition;
      assert.equal(
        m.get(at.path),
        unescapeValue(leaf!.value, m.separators),
        `${at.path} at offset ${offset}`,
      );
      checked++;
    }
    assert.ok(checked > 150);
  });
});
