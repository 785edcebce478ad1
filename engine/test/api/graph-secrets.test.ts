/**
 * GET /graph masks secret settings (REST header values, tokens) for roles without config rights;
 * the config roles see the env() references; nobody sees a secret's value.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "mocha";
import { type Harness, startApi } from "./helpers.js";

const BOOT = {
  "rest.ts": `import { env, outbound, rest } from "messagefoundry";
outbound("OB_TEST_REST", rest({
  url: "http://127.0.0.1:9/fhir",
  token: env("rest_token"),
  headers: { "X-Api-Key": env("rest_api_key") },
}));
`,
  // Secrets come from MEFOR_VALUE_* only; the file just declares the environment.
  "environments/test.toml": "# no values\n",
};
const VALUES = { MEFOR_VALUE_REST_TOKEN: "tok-TEST-9c1", MEFOR_VALUE_REST_API_KEY: "key-TEST-51f" };

describe("api/graph: secret settings", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startApi({ boot: BOOT, processEnv: VALUES, quiet: ["OB_TEST_REST"] });
  });
  afterEach(() => h.close());

  const restNode = async (token: string) => {
    const res = await h.call("GET", "/graph", { token });
    assert.equal(res.status, 200);
    for (const v of Object.values(VALUES)) assert.ok(!JSON.stringify(res.body).includes(v));
    return res.body.nodes.find((n: { name: string }) => n.name === "OB_TEST_REST");
  };

  it("shows a viewer *** for header values and the token, the rest as declared", async () => {
    const node = await restNode(await h.login("viewer"));
    assert.deepEqual(node.settings, {
      url: "http://127.0.0.1:9/fhir",
      token: "***",
      headers: { "X-Api-Key": "***" },
    });
  });

  it("shows a deployer the env() references", async () => {
    const node = await restNode(await h.login("deployer"));
    assert.deepEqual(node.settings.headers, { "X-Api-Key": { env: "rest_api_key" } });
    assert.deepEqual(node.settings.token, { env: "rest_token" });
  });
});
