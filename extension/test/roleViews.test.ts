/**
 * Role-aware engine views against the real engine: for a real user of every role, the grants the
 * extension derives from GET /auth/session hide exactly what the engine would refuse — message lists,
 * Start/Stop, raw views — and a failing outbound reads `error ECONNREFUSED — queue 1` for everyone, with
 * the error text (which can quote a message) only in the tooltip of roles holding messages:raw.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { ConnectionStatus } from "messagefoundry/api";
import { EngineClient, EngineError } from "../src/engine/index.js";
import { connectionDescription, connectionTooltip, stateLabel } from "../src/ops/connectionView.js";
import { Grants, PERMISSION_KEYS } from "../src/ops/permissions.js";
import { type RealEngine, startRealEngine } from "./support/realEngine.js";

const ROLES = ["operator", "deployer", "developer", "viewer", "auditor"] as const;

/** The HTTP status the engine answers `call` with (200 when it succeeds). */
async function statusOf(call: () => Promise<unknown>): Promise<number> {
  try {
    await call();
    return 200;
  } catch (err) {
    if (err instanceof EngineError) return err.status;
    throw err;
  }
}

describe("role-aware engine views (real users of each role, real engine)", () => {
  let engine: RealEngine;
  const clients = new Map<string, EngineClient>();

  before(async () => {
    engine = await startRealEngine();
    for (const role of ROLES) {
      const credentials = await engine.addUser(`${role}_user`, role);
      const client = new EngineClient({ url: engine.url });
      await client.login(credentials);
      clients.set(role, client);
    }
    // One message the outbound cannot deliver (nothing listens on its port): ECONNREFUSED, queue 1.
    await engine.receive("ROLE0001");
  });
  after(() => engine?.close());

  for (const role of ROLES) {
    it(`${role}: the views hide what the engine refuses`, async () => {
      const client = clients.get(role);
      assert.ok(client);
      const grants = new Grants((await client.session()).user.permissions);

      const lists = await statusOf(() => client.messages({ limit: 1 }));
      assert.equal(lists === 200, grants.listsMessages, `${role}: message list ${lists}`);
      const letters = await statusOf(() => client.deadLetters({ limit: 1 }));
      assert.equal(letters === 200, grants.seesDeadLetters, `${role}: dead letters ${letters}`);

      const control = grants.controlFor("running");
      const stop = await statusOf(() => client.stopConnection("IB_TEST_ADT"));
      assert.equal(stop === 200, control === "stop", `${role}: stop ${stop}`);
      if (stop === 200) await client.startConnection("IB_TEST_ADT");

      const keys = grants.contextKeys();
      assert.equal(keys["messagefoundry.can.controlConnections"], control !== undefined);
      assert.equal(keys["messagefoundry.can.readMessages"], grants.listsMessages);
    });
  }

  it("a deployer sees no message views and no Start/Stop; an operator sees both", async () => {
    const deployer = new Grants((await clients.get("deployer")?.session())?.user.permissions);
    assert.equal(deployer.listsMessages, false);
    assert.equal(deployer.controlFor("running"), undefined);
    assert.equal(deployer.controlFor("stopped"), undefined);
    const operator = new Grants((await clients.get("operator")?.session())?.user.permissions);
    assert.equal(operator.controlFor("running"), "stop");
    assert.equal(operator.controlFor("stopped"), "start");
    assert.equal(operator.controlFor("removed"), undefined, "nothing to start for a removed connection");
  });

  it("a failing outbound shows its error class inline; its text only for messages:raw", async () => {
    const sinkOf = async (role: string): Promise<ConnectionStatus> => {
      const list = (await clients.get(role)?.connections()) ?? [];
      const found = list.find((c) => c.name === "OB_TEST_SINK");
      assert.ok(found);
      return found;
    };
    const deadline = Date.now() + 20_000;
    while (!(await sinkOf("deployer")).errorClass && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const deployer = await sinkOf("deployer");
    assert.match(connectionDescription(deployer), /ECONNREFUSED — .*queue 1/);
    assert.equal(deployer.error, null);
    assert.doesNotMatch(connectionTooltip(deployer) ?? "", /127\.0\.0\.1/);
    const operator = await sinkOf("operator");
    assert.match(connectionTooltip(operator) ?? "", /ECONNREFUSED 127\.0\.0\.1/);
  });

  it("labels: error class, failing while running, removed with rows", () => {
    const base: ConnectionStatus = {
      name: "OB_X",
      direction: "outbound",
      transport: "mllp",
      state: "running",
      counts: { received: 0, processed: 0, errored: 0, filtered: 0, unrouted: 0, delivered: 0, failed: 0 },
      lastActivity: null,
      queueDepth: 3,
    };
    assert.equal(stateLabel({ ...base, state: "error", errorClass: "ECONNREFUSED" }), "error ECONNREFUSED");
    assert.equal(
      stateLabel({ ...base, errorClass: "negative ACK AE" }),
      "running · failing: negative ACK AE",
    );
    assert.equal(connectionDescription({ ...base, state: "removed" }), "removed from the config — queue 3");
  });

  it("every permission context key used in package.json exists, and every menu on engine items checks one", () => {
    const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      contributes: { menus: Record<string, { command: string; when?: string }[]> };
    };
    const text = JSON.stringify(manifest.contributes);
    for (const used of text.match(/messagefoundry\.can\.[A-Za-z]+/g) ?? [])
      assert.ok(used in PERMISSION_KEYS, `${used} is a known context key`);
    for (const item of manifest.contributes.menus["view/item/context"] ?? []) {
      if (/^messagefoundry\.(connection|message)\./.test(item.command))
        assert.match(item.when ?? "", /messagefoundry\.can\./, `${item.command} is role-aware`);
    }
  });
});
