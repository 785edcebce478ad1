/**
 * The language server's hover and the parse-tree view read one .hl7 file the same way: at every
 * offset of the file, hover names the node the view's tree holds there — same path (PID-3[2].1,
 * OBX[2]-5), same range, same name from the same version's definitions — and neither sees a node the
 * other does not. Both sides run for real: the server's analysis core (Hl7File.hover with the engine
 * dictionary) and the view's model fed with the definitions slice the extension host sends it.
 */
import assert from "node:assert/strict";
import { engineDictionary, Hl7File } from "@messagefoundry/language-server/core";
import {
  buildParseTree,
  namerFromExtract,
  nodePathAt,
  type ParseTree,
  type TreeNode,
} from "@messagefoundry/webviews/model/parse-tree";
import { getDefinitions } from "messagefoundry/hl7";
import { describe, it } from "mocha";

/** The view's tree, named as the view names it once the host answered each of its lookups. */
function viewTree(text: string): ParseTree {
  const answers = new Map(
    buildParseTree(text).lookups.map((l) => [
      l.version,
      namerFromExtract(getDefinitions(l.version || undefined).extract(l.segments)),
    ]),
  );
  return buildParseTree(text, (version) => answers.get(version)!);
}

function assertAgree(text: string): { nodes: number; paths: Set<string> } {
  const file = new Hl7File("file:///agree.hl7", text);
  const dict = engineDictionary();
  const tree = viewTree(text);
  const paths = new Set<string>();
  let nodes = 0;
  for (let offset = 0; offset <= text.length; offset++) {
    const hover = file.hover(dict, offset);
    const chain = nodePathAt(tree.root, offset).filter((n) => n.kind !== "message");
    const node: TreeNode | undefined = chain.at(-1);
    const where = `offset ${offset} (${JSON.stringify(text.slice(offset, offset + 12))})`;
    assert.equal(
      hover === undefined,
      node === undefined,
      `${where}: hover ${hover?.markdown} vs view ${node?.path}`,
    );
    if (!hover || !node) continue;
    nodes++;
    paths.add(node.path);
    const [firstLine = ""] = hover.markdown.split("\n");
    const title = `**${node.path}** —`;
    assert.ok(firstLine.startsWith(title), `${where}: hover "${firstLine}" vs view path ${node.path}`);
    if (node.kind === "segment") {
      // Hover marks just the segment name; the view's segment row spans the whole line.
      assert.deepEqual([hover.start, hover.end], [node.start, node.start + 3], where);
      if (node.name)
        assert.ok(firstLine.startsWith(`${title} ${node.name} (HL7 v`), `${where}: ${firstLine}`);
      continue;
    }
    assert.deepEqual([hover.start, hover.end], [node.start, node.end], `${where}: range of ${node.path}`);
    if (node.name) assert.equal(firstLine, `${title} ${node.name}`, where);
    else
      assert.ok(
        !hover.markdown.includes("- Data type:"),
        `${where}: hover names ${firstLine}, the view nothing`,
      );
  }
  return { nodes, paths };
}

describe("HL7 hover (language server) and the parse-tree view agree", () => {
  it("on a batch file: envelope, messages of two versions, stray text", () => {
    const text = [
      "FHS|^~\\&|SENDAPP|SENDFAC",
      "BHS|^~\\&|SENDAPP|SENDFAC|||20260101",
      "stray text",
      "MSH|^~\\&|SENDAPP|SENDFAC|RECVAPP|RECVFAC|20260101120000||ADT^A01^ADT_A01|MSG0001|P|2.5.1",
      "EVN|A01|20260101120000",
      "PID|1||12345^^^HOSP^MR||TEST^PATIENT^A||19800101|M",
      "MSH|^~\\&|SENDAPP|SENDFAC|RECVAPP|RECVFAC|20260101120500||ADT^A08|MSG0002|P|2.3",
      "EVN|A08|20260101120500",
      "PID|1||67890^^^HOSP^MR||SAMPLE^PERSON",
      "ZZZ|1|x^y",
      "BTS|2",
      "FTS|1",
      "",
    ].join("\r");
    const { nodes, paths } = assertAgree(text);
    assert.ok(nodes > text.length / 2);
    for (const p of ["FHS-3", "BHS-7", "BTS-1", "FTS", "MSH-9.2", "PID-5.2", "ZZZ-2.1"])
      assert.ok(paths.has(p), p);
  });

  it("on a message with repetitions, components, subcomponents, escapes and repeated segments", () => {
    const text = [
      "MSH|^~\\&|LAB|FAC|EHR|FAC|20260101120000||ORU^R01^ORU_R01|MSG0003|P|2.5.1",
      "PID|1||123^^^HOSP&1.2.3&ISO^MR~456^^^SSA^SS||DOE\\S\\X^JANE\\T\\Q&VAN^^^^L~ALIAS^A||19800101|F&X",
      "OBR|1||ORD1|GLU^Glucose^L",
      "OBX|1|ST|GLU^Glucose^L||line one\\.br\\line two\\F\\bar\\E\\||mg/dL",
      "OBX|2|CWE|CODE^Text&More^L||A~B~C",
      "",
    ].join("\r\n");
    const { paths } = assertAgree(text);
    for (const p of [
      "PID-3[1].4.2",
      "PID-3[2].4",
      "PID-5[1].2.2",
      "PID-5[2].1",
      "OBX[2]-3.2.1",
      "OBX[2]-5[3]",
      "OBX-5",
    ])
      assert.ok(paths.has(p), p);
  });
});
