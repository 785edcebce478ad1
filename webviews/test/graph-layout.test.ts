import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { layoutGraph } from "../src/model/graph-layout.js";
import { GRAPH } from "./fixtures.js";

describe("graph layout", () => {
  const layout = layoutGraph(GRAPH);
  const at = (name: string) => layout.nodes.find((n) => n.node.name === name)!;

  it("puts each kind in its column, left to right", () => {
    assert.deepEqual(
      ["IB_ACME_ADT", "acme_adt_router", "acme_adt_handler", "OB_ACME_ADT"].map((n) => at(n).column),
      [0, 1, 2, 3],
    );
    assert.ok(at("acme_adt_router").x > at("IB_ACME_ADT").x);
  });

  it("orders a column by what feeds it, so each route's edges run straight across", () => {
    // acme_adt_audit sorts before acme_adt_handler, so the archive it feeds comes first.
    assert.deepEqual(
      layout.nodes.filter((n) => n.column === 3).map((n) => n.node.name),
      ["OB_ACME_ARCHIVE", "OB_ACME_ADT", "OB_LAB_ORU"],
    );
    assert.equal(at("lab_oru_router").row, 1);
  });

  it("draws every edge; a run-time target dangles and is marked", () => {
    assert.equal(layout.edges.length, GRAPH.edges.length);
    const dynamic = layout.edges.find((e) => e.edge.to === null)!;
    assert.equal(dynamic.unresolved, true);
    assert.ok(layout.edges.filter((e) => e.edge.to !== null).every((e) => !e.unresolved));
  });

  it("an edge to an unknown name is unresolved, not dropped", () => {
    const broken = layoutGraph({
      ...GRAPH,
      edges: [{ ...GRAPH.edges[0]!, to: "no_such_router" }],
    });
    assert.equal(broken.edges[0]?.unresolved, true);
  });
});
