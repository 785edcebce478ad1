import assert from "node:assert/strict";
import { getDefinitions } from "messagefoundry/hl7";
import { describe, it } from "mocha";
import { NameCache } from "../src/model/parse-tree-names.js";

describe("parse-tree names asked of the host", () => {
  it("asks once per segment and version, and names from every answer merged", () => {
    const cache = new NameCache();
    const first = cache.request("2.5.1", ["MSH", "PID"]);
    assert.deepEqual(first, { requestId: 1, version: "2.5.1", segments: ["MSH", "PID"] });
    // Still on the way: not asked again.
    assert.equal(cache.request("2.5.1", ["PID"]), undefined);
    assert.equal(cache.namer("2.5.1").field("PID", 5), undefined);
    assert.equal(cache.answer(1, getDefinitions("2.5.1").extract(first!.segments)), true);
    assert.deepEqual(cache.namer("2.5.1").field("PID", 5), { name: "Patient Name", type: "XPN" });
    const second = cache.request("2.5.1", ["PID", "OBX"]);
    assert.deepEqual(second?.segments, ["OBX"]);
    assert.equal(cache.answer(second!.requestId, getDefinitions("2.5.1").extract(["OBX"])), true);
    const namer = cache.namer("2.5.1");
    assert.equal(namer.field("OBX", 5)?.name, "Observation Value");
    assert.equal(namer.field("PID", 5)?.name, "Patient Name");
    // Another version is its own question.
    assert.deepEqual(cache.request("2.3", ["PID"])?.segments, ["PID"]);
    assert.equal(cache.namer("2.3").field("PID", 5), undefined);
  });

  it("asks again after a failed answer, and ignores answers it did not ask for", () => {
    const cache = new NameCache();
    const req = cache.request("", ["PID"])!;
    assert.equal(cache.answer(req.requestId, undefined), false);
    assert.equal(cache.answer(99, getDefinitions(undefined).extract(["PID"])), false);
    const again = cache.request("", ["PID"]);
    assert.deepEqual(again?.segments, ["PID"]);
    assert.equal(cache.answer(again!.requestId, getDefinitions(undefined).extract(["PID"])), true);
    assert.equal(cache.namer("").segment("PID"), "Patient Identification");
  });
});
