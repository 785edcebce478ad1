/** A config can import a factory for every transport the schemas (and so the editor and the loader) know. */
import assert from "node:assert/strict";
import { CONNECTION_FACTORIES } from "../../src/config/api.js";
import { loadConfig } from "../../src/config/index.js";
import { TRANSPORTS } from "../../src/graph/index.js";
import { writeConfig } from "./helpers.js";

describe("connection factories", () => {
  it("exist for every transport of the schemas, and nothing else", () => {
    assert.deepEqual(Object.keys(CONNECTION_FACTORIES).sort(), [...TRANSPORTS].sort());
  });

  it('are what a config\'s `import … from "messagefoundry"` gets', async () => {
    const names = Object.keys(CONNECTION_FACTORIES);
    const text = `import { ${names.join(", ")} } from "messagefoundry";
const missing = [${names.map((n) => `["${n}", ${n}]`).join(", ")}].filter(([, f]) => typeof f !== "function");
if (missing.length > 0) throw new Error("not functions: " + missing.map(([n]) => n).join(", "));
`;
    const r = await loadConfig(writeConfig({ "a.ts": text }), { processEnv: {} });
    assert.deepEqual(
      r.problems.filter((p) => p.code === "MF-LOAD-EXEC").map((p) => p.message),
      [],
    );
  });
});
