import assert from "node:assert/strict";
import { getDefinitions } from "messagefoundry/hl7";
import { describe, it } from "mocha";
import {
  buildParseTree,
  displayValue,
  findNodes,
  MASK,
  type Namer,
  NO_NAMES,
  namerFromExtract,
  nodeForSelection,
  nodePathAt,
} from "../src/model/parse-tree.js";

const TEXT =
  "MSH|^~\\&|S|F|R|F|20260101||ADT^A01|1|P|2.5.1\rPID|1||12345^^^HOSP^MR~678&X||TEST^PATIENT\rOBX|1\rOBX|2|ST";

const namer: Namer = {
  segment: (s) => (s === "PID" ? "Patient Identification" : undefined),
  field: (s, f) => (s === "PID" && f === 5 ? { name: "Patient Name", type: "XPN" } : undefined),
  component: (t, c) => (t === "XPN" && c === 1 ? { name: "Family Name", type: "FN" } : undefined),
};

describe("parse-tree model", () => {
  const tree = buildParseTree(TEXT, namer);

  it("labels nodes with paths, names and types", () => {
    const pid = tree.root[1]!;
    assert.equal(pid.name, "Patient Identification");
    const pid5 = pid.children[4]!;
    assert.deepEqual(
      [pid5.path, pid5.name, pid5.type, pid5.value],
      ["PID-5", "Patient Name", "XPN", "TEST^PATIENT"],
    );
    assert.deepEqual([pid5.children[0]!.path, pid5.children[0]!.name], ["PID-5.1", "Family Name"]);
    assert.equal(tree.version, "2.5.1");
  });

  it("shows repetitions only when a field repeats, and subcomponents", () => {
    const pid3 = tree.root[1]!.children[2]!;
    assert.deepEqual(
      pid3.children.map((n) => n.path),
      ["PID-3[1]", "PID-3[2]"],
    );
    const rep2 = pid3.children[1]!;
    assert.deepEqual(
      rep2.children[0]!.children.map((n) => [n.path, n.value]),
      [
        ["PID-3[2].1.1", "678"],
        ["PID-3[2].1.2", "X"],
      ],
    );
    assert.equal(tree.root[3]!.path, "OBX[2]");
  });

  it("finds the deepest node under an offset", () => {
    const chain = nodePathAt(tree.root, TEXT.indexOf("PATIENT") + 1);
    assert.deepEqual(
      chain.map((n) => n.path),
      ["PID", "PID-5", "PID-5.2"],
    );
  });

  it("locates an editor selection by its start and extent, not by the cursor at its end", () => {
    const start = TEXT.indexOf("TEST^PATIENT");
    const end = start + "TEST^PATIENT".length;
    const pid5 = nodePathAt(tree.root, start).find((n) => n.path === "PID-5");
    // The cursor of a selected PID-5 sits at its end, inside PID-5.2: the selection is PID-5.
    assert.equal(nodePathAt(tree.root, end).at(-1)?.path, "PID-5.2");
    assert.equal(nodeForSelection(tree.root, start, end)?.path, "PID-5");
    // The echo of the view's own reveal keeps the node it selected.
    assert.equal(nodeForSelection(tree.root, start, end, pid5), pid5);
    // A selection inside one component is that component; an empty one is the cursor's node.
    assert.equal(nodeForSelection(tree.root, start, start + 4)?.path, "PID-5.1");
    assert.equal(nodeForSelection(tree.root, end - 2)?.path, "PID-5.2");
    // A selection across fields is their segment.
    assert.equal(nodeForSelection(tree.root, TEXT.indexOf("12345"), end)?.path, "PID");
  });

  it("finds fields by path prefix or by name", () => {
    assert.deepEqual(
      findNodes(tree.root, "patient name").map((n) => n.path),
      ["PID-5"],
    );
    assert.ok(findNodes(tree.root, "OBX[2]-2").some((n) => n.path === "OBX[2]-2"));
    assert.deepEqual(findNodes(tree.root, "  "), []);
  });

  it("masks identifier fields and never shows a whole segment's text", () => {
    const pid = tree.root[1]!;
    assert.equal(displayValue(pid.children[4]!, true), MASK);
    assert.equal(displayValue(pid.children[4]!.children[0]!, true), MASK);
    assert.equal(displayValue(pid.children[4]!, false), "TEST^PATIENT");
    assert.equal(displayValue(pid.children[0]!, true), "1");
    assert.equal(displayValue(pid, false), "");
  });

  it("groups a batch by message", () => {
    const batch = buildParseTree(`${TEXT}\r${TEXT}`);
    assert.deepEqual(
      batch.root.map((n) => [n.kind, n.path, n.name]),
      [
        ["message", "Message 1", "ADT^A01"],
        ["message", "Message 2", "ADT^A01"],
      ],
    );
  });

  it("shows a batch's envelope segments beside its messages, in file order", () => {
    const file = `BHS|^~\\&|APP\r${TEXT}\r${TEXT}\rBTS|2`;
    const batch = buildParseTree(file);
    assert.deepEqual(
      batch.root.map((n) => [n.kind, n.path]),
      [
        ["segment", "BHS"],
        ["message", "Message 1"],
        ["message", "Message 2"],
        ["segment", "BTS"],
      ],
    );
    assert.equal(file.slice(batch.root[3]!.children[0]!.start, batch.root[3]!.children[0]!.end), "2");
    assert.deepEqual(batch.lookups, [{ version: "2.5.1", segments: ["MSH", "PID", "OBX", "BHS", "BTS"] }]);
    // Message 2's first character is not claimed by message 1.
    const start2 = batch.root[2]!.start;
    assert.deepEqual(
      nodePathAt(batch.root, start2).map((n) => n.path),
      ["Message 2", "MSH"],
    );
  });

  it("splits by the separators each MSH declares", () => {
    const text = "MSH#*@!%#A#B\rPID#1##X*Y%Q@Z";
    const pid3 = buildParseTree(text).root[1]!.children[2]!;
    assert.deepEqual(
      pid3.children.map((n) => n.path),
      ["PID-3[1]", "PID-3[2]"],
    );
    assert.deepEqual(
      pid3.children[0]!.children[1]!.children.map((n) => [n.path, n.value]),
      [
        ["PID-3[1].2.1", "Y"],
        ["PID-3[1].2.2", "Q"],
      ],
    );
  });

  it("reports text outside any message with its offset, and text that is not HL7 at all", () => {
    assert.deepEqual(buildParseTree("hello\rMSH|^~\\&|A").problems, [
      { offset: 0, message: "text outside any message was skipped" },
    ]);
    assert.deepEqual(buildParseTree("hello").problems, [
      { offset: 0, message: "no MSH segment: this is not an HL7 v2 message" },
    ]);
  });

  it("names nodes from the definitions slice the host sends", () => {
    const text = "MSH|^~\\&|A|B|C|D|20260101||ADT^A01|1|P|2.5.1\rPID|1||||DOE&VAN^JANE";
    const names = namerFromExtract(
      getDefinitions("2.5.1").extract(buildParseTree(text).lookups[0]!.segments),
    );
    const pid5 = buildParseTree(text, names).root[1]!.children[4]!;
    assert.deepEqual(
      [pid5.name, pid5.type, pid5.children[0]!.name, pid5.children[0]!.children[1]!.name],
      ["Patient Name", "XPN", "Family Name", "Own Surname Prefix"],
    );
    assert.equal(names.field("ZZZ", 1), undefined);
    assert.equal(names.component("constructor", 1), undefined);
  });

  it("names each message of a batch by its own version", () => {
    const v23 = TEXT.replace("2.5.1", "2.3");
    const batch = buildParseTree(`${TEXT}\r${v23}`, (version) => ({
      ...NO_NAMES,
      segment: (s) => `${s} in ${version}`,
    }));
    assert.deepEqual(
      batch.lookups.map((l) => l.version),
      ["2.5.1", "2.3"],
    );
    assert.deepEqual(
      batch.root.map((m) => m.children[1]!.name),
      ["PID in 2.5.1", "PID in 2.3"],
    );
  });
});
