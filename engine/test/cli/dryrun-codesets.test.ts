/** `dryrun --trace` through the real CLI entry: which code set mapped which value, masked without --show-phi. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "mocha";
import type { DryRunOutput } from "../../src/contract.js";
import { cleanupConfigs, writeConfig } from "../config/helpers.js";
import { cli } from "./harness.js";

const ROOT = join(import.meta.dirname, "../../..");

describe("dryrun --trace: code set lookups", () => {
  after(cleanupConfigs);

  it("the sample's abnormal flags: set, code, value and the user's line; masked without --show-phi", async () => {
    const args = ["dryrun", "-c", "samples/config", "-i", "IB_LAB_ORU", "--json", "--trace"];
    const msg = ["-m", "samples/messages/oru_r01_abnormal.hl7"];
    const phi = await cli([...args, "--show-phi", ...msg], ROOT);
    assert.equal(phi.code, 0, phi.err);
    const steps = (JSON.parse(phi.out) as DryRunOutput).results[0]?.trace ?? [];
    assert.equal(steps[0]?.codeSets, undefined);
    assert.deepEqual(steps[1]?.codeSets, [
      {
        codeSet: "abnormal_flags",
        source: "table",
        defaultUsed: false,
        code: "H",
        value: "High",
        file: "oru.ts",
        line: 15,
      },
    ]);
    const masked = await cli([...args, ...msg], ROOT);
    const hidden = (JSON.parse(masked.out) as DryRunOutput).results[0]?.trace ?? [];
    assert.deepEqual(hidden[1]?.codeSets, [
      { codeSet: "abnormal_flags", source: "table", defaultUsed: false, file: "oru.ts", line: 15 },
    ]);
  });

  it("a code not in the table takes the default row, and the text output says so", async () => {
    const dir = writeConfig({
      "codesets/sex.csv": "code,value\nF,female\n*,unknown\n",
      "environments/dev.toml": "",
      "main.ts": [
        'import { codeSet, handler, inbound, outbound, router, send, file } from "messagefoundry";',
        'const sex = codeSet("sex");',
        'inbound("IB_T", file({ dir: "in" }), { router: "r" });',
        'outbound("OB_T", file({ dir: "out" }));',
        'router("r", () => ["h"]);',
        'handler("h", (msg) => {',
        '  msg.set("PID-8", sex.map(msg.get("PID-8") ?? ""));',
        '  return send("OB_T", msg);',
        "});",
        "",
      ].join("\n"),
      "m.hl7": "MSH|^~\\&|A|B|C|D|20260101||ADT^A01|1|P|2.5.1\rPID|1||1||X^Y||20000101|Q\r",
    });
    const r = await cli(["dryrun", "-c", dir, "-e", "dev", "--trace", "--show-phi", "-m", "m.hl7"], dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\n {4}code set sex: Q → unknown \(default row\)\n/);
    const j = await cli(
      ["dryrun", "-c", dir, "-e", "dev", "--json", "--trace", "--show-phi", "-m", "m.hl7"],
      dir,
    );
    const steps = (JSON.parse(j.out) as DryRunOutput).results[0]?.trace ?? [];
    assert.deepEqual(steps[1]?.codeSets, [
      {
        codeSet: "sex",
        source: "default",
        defaultUsed: true,
        code: "Q",
        value: "unknown",
        file: "main.ts",
        line: 7,
      },
    ]);
  });
});
