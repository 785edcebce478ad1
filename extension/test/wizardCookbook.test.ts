/**
 * Every cookbook recipe, inserted by the cookbook's own insertion into code the Router Wizard wrote,
 * type-checks against the config API (`messagefoundry check`) and does what it says in a real dry run
 * (`messagefoundry dryrun --json --show-phi`) of a synthetic message: exact payloads.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RegistryGraph } from "messagefoundry/graph";
import { parseJsonOutput } from "../src/cli/index.js";
import { generateRouterModule } from "../src/wizard/addModel.js";
import { RECIPES, recipeValues } from "../src/wizard/cookbook.js";
import { insertRecipe } from "../src/wizard/cookbookInsert.js";
import { applyEdits } from "../src/wizard/tsEdit.js";
import { copySamples, type SampleCopy } from "./support/engineCli.js";

const recipe = (id: string) => {
  const r = RECIPES.find((x) => x.id === id);
  if (!r) throw new Error(`no recipe ${id}`);
  return r;
};

/** Inserts a recipe on the line after `marker` (the cursor on that line's indentation). */
function insertAfter(text: string, marker: string, id: string, given: Record<string, string> = {}): string {
  const at = text.indexOf(marker);
  assert.ok(at >= 0, `marker ${marker}`);
  const lineStart = text.indexOf("\n", at) + 1;
  const r = recipe(id);
  const out = insertRecipe(text, lineStart, r, recipeValues(r, given));
  if ("error" in out) throw new Error(out.error);
  return applyEdits(text, out.edits);
}

const TOML = `
[[inbound]]
name = "IB_RECIPE_ORU"
transport = "mllp"
router = "recipe_oru_router"
[inbound.settings]
port = 2681

[[inbound]]
name = "IB_RECIPE_ADT"
transport = "mllp"
router = "recipe_adt_router"
[inbound.settings]
port = 2682

[[inbound]]
name = "IB_RECIPE_BATCH"
transport = "file"
router = "recipe_batch_router"
contentType = "text"
[inbound.settings]
path = "in"

[[inbound]]
name = "IB_RECIPE_JSON"
transport = "http"
router = "recipe_json_router"
contentType = "json"
[inbound.settings]
port = 2683

[[outbound]]
name = "OB_RECIPE_OUT"
transport = "file"
[outbound.settings]
path = "out"
`;

const ORU = [
  "MSH|^~\\&|LAB|FAC|CLINIC|FAC|20260101120000||ORU^R01^ORU_R01|CTRL1|P|2.5.1",
  "PID|1||TEST001^^^MEFOR^MR||SAMPLE^ECHO||19610119|M",
  "NK1|1|TEST^CHARLIE|SPO",
  "PV1|1||WARD1^101^1",
  "OBR|1|123|456|24323-8^Metabolic panel^LN",
  "OBX|1|NM|2345-7^Glucose^LN||85.9|mg/dL|70-99|N|||F",
  "OBX|2|NM|2823-3^Potassium^LN||5.3|mmol/L|3.5-5.1|H|||F",
  "OBX|3|NM|2951-2^Sodium^LN||120|mmol/L|136-145|L|||F",
];
const ORU_ALL_NORMAL = [ORU[0]!.replace("CTRL1", "CTRL2"), ORU[1]!, ORU[5]!];

interface Delivery {
  handler: string;
  outbound: string;
  payload?: string;
}
interface Result {
  disposition: string;
  controlId?: string;
  deliveries: Delivery[];
}

describe("Cookbook recipes in the real engine", function () {
  this.timeout(180_000);
  let samples: SampleCopy;
  before(async () => {
    samples = copySamples();
    const dir = samples.configDir;
    const toml = join(dir, "connections.toml");
    writeFileSync(toml, readFileSync(toml, "utf8") + TOML);
    const graph = JSON.parse(
      (await samples.run(["graph", "--config", ".", "--json"])).stdout,
    ) as RegistryGraph;
    const handler = (name: string) => ({ name, mappings: [], outbounds: ["OB_RECIPE_OUT"] });
    const base = { hl7: true, messageTypes: [], newOutbounds: [] };
    // The Router Wizard writes each router with its handlers; the recipes go into their bodies.
    const oru = generateRouterModule({
      ...base,
      inbound: "IB_RECIPE_ORU",
      router: "recipe_oru_router",
      existingHandlers: [],
      newHandlers: ["abnormal", "codes", "zseg", "nk1", "default"].map((h) => handler(`recipe_${h}`)),
      moduleFile: "recipe_oru.ts",
    }).module.text;
    let text = oru;
    text = insertAfter(text, 'handler("recipe_abnormal"', "abnormal-only");
    text = insertAfter(text, 'handler("recipe_codes"', "map-code-set");
    text = insertAfter(text, 'handler("recipe_zseg"', "z-segment", { segment: "ZPV", from: "PV1-3.1" });
    text = insertAfter(text, 'handler("recipe_nk1"', "strip-nk1");
    text = insertAfter(text, 'handler("recipe_default"', "default-when-empty", {
      field: "PV1-2",
      value: "U",
    });
    writeFileSync(join(dir, "recipe_oru.ts"), text);

    // The router recipe replaces a router's body: a router written with a { } body by hand.
    let adt = generateRouterModule({
      ...base,
      inbound: "IB_RECIPE_ADT",
      router: "recipe_adt_router",
      existingHandlers: ["acme_adt_to_emr"],
      newHandlers: [],
      moduleFile: "recipe_adt.ts",
    }).module.text;
    adt = adt.replace(
      /router\("recipe_adt_router", \(\) => .*\);/,
      'router("recipe_adt_router", (msg) => {\n  \n});',
    );
    adt = insertAfter(adt, 'router("recipe_adt_router"', "route-by-type", {
      types: "ADT^A01, ADT^A04",
      handler: "acme_adt_to_emr",
    });
    writeFileSync(join(dir, "recipe_adt.ts"), adt);

    // Module recipes: a whole handler at the top level, routed to by a router the wizard wrote.
    for (const [name, id, handlerName] of [
      ["batch", "split-batch", "split_batch_handler"],
      ["json", "json-to-adt-a04", "registration_to_adt"],
    ] as const) {
      const mod = generateRouterModule({
        ...base,
        hl7: false,
        inbound: `IB_RECIPE_${name.toUpperCase()}`,
        router: `recipe_${name}_router`,
        existingHandlers: [],
        newHandlers: [],
        moduleFile: `recipe_${name}.ts`,
      }).module.text;
      // The router names the handler the recipe declares (generated with none, then pointed at it).
      const routed = mod.replace("() => []", `() => [${JSON.stringify(handlerName)}]`);
      writeFileSync(
        join(dir, `recipe_${name}.ts`),
        insertAfter(`${routed}\n`, `router("recipe_${name}_router"`, id, { outbound: "OB_RECIPE_OUT" }),
      );
    }
    void graph;
    writeFileSync(
      join(samples.root, "messages", "recipe_oru.hl7"),
      `${ORU.join("\r")}\r${ORU_ALL_NORMAL.join("\r")}\r`,
    );
    writeFileSync(
      join(samples.root, "messages", "recipe_adt.hl7"),
      "MSH|^~\\&|A|B|C|D|20260101||ADT^A04^ADT_A01|ADT1|P|2.5.1\rPID|1||TEST002^^^MEFOR^MR||DOE^JANE\r" +
        "MSH|^~\\&|A|B|C|D|20260101||ADT^A08^ADT_A01|ADT2|P|2.5.1\rPID|1||TEST003^^^MEFOR^MR||DOE^JOHN\r",
    );
    writeFileSync(
      join(samples.root, "messages", "recipe_batch.txt"),
      "FHS|^~\\&|LAB\rBHS|^~\\&|LAB\r" +
        "MSH|^~\\&|LAB|FAC|||20260101||ADT^A01|B1|P|2.5.1\rPID|1||TEST004\r" +
        "MSH|^~\\&|LAB|FAC|||20260101||ADT^A01|B2|P|2.5.1\rPID|1||TEST005\r" +
        "BTS|2\rFTS|1\r",
    );
  });
  after(() => samples.remove());

  const dryrun = async (inbound: string, file: string): Promise<Result[]> => {
    const out = await samples.run([
      "dryrun",
      ...["--config", ".", "--env", "dev", "--inbound", inbound],
      ...["--messages", `../messages/${file}`, "--json", "--show-phi"],
    ]);
    return (parseJsonOutput(out, "dryrun") as { results: Result[] }).results;
  };
  const payloads = (r: Result | undefined) =>
    Object.fromEntries(
      (r?.deliveries ?? []).map((d) => [d.handler, (d.payload ?? "").split("\r").filter((l) => l !== "")]),
    );

  it("every recipe type-checks: `messagefoundry check` finds no problem", async () => {
    const check = await samples.run(["check", "--config", ".", "--env", "dev", "--json"]);
    assert.deepEqual((JSON.parse(check.stdout) as { problems: unknown[] }).problems, [], check.stderr);
  });

  it("handler recipes: abnormal only, code set, Z segment, strip NK1, default when empty", async () => {
    const [abnormal, normal] = await dryrun("IB_RECIPE_ORU", "recipe_oru.hl7");
    const got = payloads(abnormal);
    const [msh, pid, nk1, pv1, obr, obx1, obx2, obx3] = ORU;
    assert.deepEqual(got.recipe_abnormal, [
      msh,
      pid,
      nk1,
      pv1,
      obr,
      "OBX|1|NM|2823-3^Potassium^LN||5.3|mmol/L|3.5-5.1|H|||F",
      "OBX|2|NM|2951-2^Sodium^LN||120|mmol/L|136-145|L|||F",
    ]);
    assert.deepEqual(got.recipe_codes, [
      msh,
      pid,
      nk1,
      pv1,
      obr,
      "OBX|1|NM|2345-7^Glucose^LN||85.9|mg/dL|70-99|Normal|||F",
      "OBX|2|NM|2823-3^Potassium^LN||5.3|mmol/L|3.5-5.1|High|||F",
      "OBX|3|NM|2951-2^Sodium^LN||120|mmol/L|136-145|Low|||F",
    ]);
    assert.deepEqual(got.recipe_zseg, [msh, pid, nk1, pv1, obr, obx1, obx2, obx3, "ZPV|1|WARD1"]);
    assert.deepEqual(got.recipe_nk1, [msh, pid, pv1, obr, obx1, obx2, obx3]);
    assert.deepEqual(got.recipe_default, [msh, pid, nk1, "PV1|1|U|WARD1^101^1", obr, obx1, obx2, obx3]);
    // All normal: the abnormal-only handler filters it; the others still deliver.
    assert.deepEqual(normal?.deliveries.map((d) => d.handler).sort(), [
      "recipe_codes",
      "recipe_default",
      "recipe_nk1",
      "recipe_zseg",
    ]);
  });

  it("router recipe: route by message type (A04 routed, A08 unrouted)", async () => {
    const [a04, a08] = await dryrun("IB_RECIPE_ADT", "recipe_adt.hl7");
    assert.equal(a04?.disposition, "PROCESSED");
    assert.deepEqual(
      a04?.deliveries.map((d) => [d.handler, d.outbound]),
      [["acme_adt_to_emr", "OB_EMR_ADT"]],
    );
    assert.equal(a08?.disposition, "UNROUTED");
  });

  it("module recipes: split a batch; JSON registration → ADT^A04", async () => {
    const [batch] = await dryrun("IB_RECIPE_BATCH", "recipe_batch.txt");
    assert.deepEqual(
      batch?.deliveries.map((d) => d.payload),
      [
        "MSH|^~\\&|LAB|FAC|||20260101||ADT^A01|B1|P|2.5.1\rPID|1||TEST004\r",
        "MSH|^~\\&|LAB|FAC|||20260101||ADT^A01|B2|P|2.5.1\rPID|1||TEST005\r",
      ],
    );
    const [json] = await dryrun("IB_RECIPE_JSON", "registration.json");
    assert.deepEqual(payloads(json).registration_to_adt, [
      "MSH|^~\\&|WEBFORM|FACILITY|RECEIVER|FACILITY|||ADT^A04^ADT_A01|REG0001||2.5.1",
      "EVN|A04",
      "PID|1||TEST000777^^^^MR||DEMO^BRAVO||19910412|F",
      "PV1|1|O",
    ]);
  });
});
