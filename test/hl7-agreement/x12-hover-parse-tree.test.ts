/**
 * The language server's hover and the parse-tree view read an .x12 file the same way: at every offset,
 * hover names the node the view's tree holds there — same path (NM1[3]-09, EQ-01(2), SV1[2]-01-2), same
 * start — and neither sees a node the other does not. Both run for real: the server's X12File.hover and
 * the view's model.
 */
import assert from "node:assert/strict";
import { X12File } from "@messagefoundry/language-server/core";
import { buildParseTree, nodePathAt, type TreeNode } from "@messagefoundry/webviews/model/parse-tree";
import { describe, it } from "mocha";

const I270 = [
  "ISA*00*          *00*          *ZZ*SAMPLECLINIC   *ZZ*SAMPLEPAYER    *261206*1200*^*00501*000000101*1*T*:~",
  "GS*HS*SAMPLECLINIC*SAMPLEPAYER*20261206*1200*101*X*005010X279A1~",
  "ST*270*0001*005010X279A1~",
  "HL*1**20*1~",
  "NM1*PR*2*SAMPLE PLAN*****PI*P1~",
  "NM1*IL*1*SAMPLE*ECHO****MI*TEST000001~",
  "EQ*30^1^33~",
  "SE*6*0001~",
  "GE*1*101~",
  "IEA*1*000000101~",
].join("\r\n");
const I837 =
  "ISA|00|          |00|          |ZZ|A              |ZZ|B              |261206|0930|U|00401|000000202|0|P|>!GS|HC|A|B|20261206|0930|202|X|004010X098A1!ST|837|0001!HI|BK>4019|BF>2724!SV1|HC>99213>25|125|UN|1|||1!SV1|HC>85025|40!SE|5|0001!GE|1|202!IEA|1|000000202!";

function assertAgree(text: string): Set<string> {
  const file = new X12File("file:///agree.x12", text);
  const tree = buildParseTree(text);
  const paths = new Set<string>();
  for (let offset = 0; offset <= text.length; offset++) {
    const hover = file.hover(undefined, offset);
    const node: TreeNode | undefined = nodePathAt(tree.root, offset)
      .filter((n) => n.kind !== "message")
      .at(-1);
    const where = `offset ${offset} (${JSON.stringify(text.slice(offset, offset + 12))})`;
    assert.equal(
      hover === undefined,
      node === undefined,
      `${where}: hover ${hover?.markdown} vs view ${node?.path}`,
    );
    if (!hover || !node) continue;
    paths.add(node.path);
    assert.ok(
      hover.markdown.startsWith(`**${node.path}** —`),
      `${where}: hover "${hover.markdown}" vs ${node.path}`,
    );
    assert.equal(hover.start, node.start, `${where}: start of ${node.path}`);
    if (node.kind !== "segment" && node.end > node.start)
      assert.equal(hover.end, node.end, `${where}: end of ${node.path}`);
  }
  return paths;
}

describe("X12: hover and the parse tree agree", () => {
  it("on a 5010 interchange with CRLF, repetitions and a second occurrence", () => {
    const paths = assertAgree(I270);
    for (const p of ["ISA-13", "NM1[2]-09", "EQ-01", "EQ-01(2)", "EQ-01(3)", "IEA-02"])
      assert.ok(paths.has(p), p);
  });

  it("on a 00401 interchange with odd separators and components, and on a file of both", () => {
    const paths = assertAgree(I837);
    for (const p of ["HI-02-2", "SV1[2]-01-2", "SV1-01-3"]) assert.ok(paths.has(p), p);
    assertAgree(`${I270}\r\n${I837}\n`);
  });
});
