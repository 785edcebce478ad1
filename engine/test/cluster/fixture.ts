/**
 * Two or three `serve` processes on the machine's real PostgreSQL (a fresh schema), clustered with
 * short timings (heartbeat 1 s, fence 2 s, lease 3 s). Each node binds its inbound on its own loopback
 * address (127.0.0.2, 127.0.0.3, …) behind a VIP (support/vip.ts) whose health check follows the
 * nodes' role changes in their logs: it points at the node that brought its graph up, and at nothing
 * while a node is fenced, paused or dead. The sink is a real MLLP destination.
 */

import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { currentTotp } from "../../src/auth/totp.js";
import { generateStoreKey } from "../../src/store/index.js";
import { freePort, mllpSink, tempDir, writeFiles } from "../runtime/helpers.js";
import { type TestSchema, testSchema } from "../support/pg-schema.js";
import { addUser, http, NODE_ARGS, ROOT, ServeProcess, settingsToml } from "../support/serve-process.js";
import { type Vip, vipProxy } from "../support/vip.js";

export const TIMINGS = { heartbeatMs: 1000, fenceMs: 2000, ttlMs: 3000 };
export const PASSWORD = "correct horse battery staple";

export function routes(outbound: string, sinkKey: string): string {
  return `import { env, handler, inbound, mllp, outbound, router, send } from "messagefoundry";
inbound("IB_HA", mllp({ host: env("in_host"), port: env("in_port", "int") }), { router: "r" });
outbound("${outbound}", mllp({ host: "127.0.0.1", port: env("${sinkKey}", "int") }));
router("r", () => "h");
handler("h", (msg) => send("${outbound}", msg));
`;
}

export interface Node {
  id: string;
  address: string;
  apiPort: number;
  proc: ServeProcess;
  /** monoNow-free wall time (Date.now()) of each event seen, by event name (last one wins). */
  seen: Map<string, number>;
}

export interface ClusterFixture {
  schema: TestSchema;
  sink: Awaited<ReturnType<typeof mllpSink>>;
  sink2: Awaited<ReturnType<typeof mllpSink>>;
  vip: Vip;
  inPort: number;
  configDir: string;
  env: NodeJS.ProcessEnv;
  start(id: string, address: string): Promise<Node>;
  /** The node's API answer (`token`: a signed-in user's). */
  api(node: Node, method: string, path: string, body?: unknown, token?: string): ReturnType<typeof http>;
  login(node: Node): Promise<string>;
  /** Prints each node's log (a failed test). */
  dump(): void;
  cleanup(): Promise<void>;
}

export async function clusterFixture(): Promise<ClusterFixture> {
  const t = tempDir();
  const schema = await testSchema("mf_ha");
  const sink = await mllpSink();
  const sink2 = await mllpSink();
  const vip = await vipProxy();
  const inPort = await freePort();
  const configDir = join(t.dir, "config");
  writeFiles(configDir, {
    "routes.ts": routes("OB_HA", "sink_port"),
    "environments/test.toml": `in_host = "127.0.0.1"\nin_port = ${inPort}\nsink_port = ${sink.port}\nsink2_port = ${sink2.port}\n`,
  });
  const base = settingsToml(schema.name, 0);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "",
    MEFOR_STORE_KEY: generateStoreKey(),
    MEFOR_CONFIG_KEY: randomBytes(32).toString("base64"),
    ...base.env,
  };
  const nodes: Node[] = [];
  let userMade = false;
  let totpSecret = "";

  const fixture: ClusterFixture = {
    schema,
    sink,
    sink2,
    vip,
    inPort,
    configDir,
    env,
    async start(id, address) {
      const apiPort = await freePort();
      const cluster = `
[cluster]
enabled = true
node_id = "${id}"
heartbeat_seconds = ${TIMINGS.heartbeatMs / 1000}
leader_fence_timeout_seconds = ${TIMINGS.fenceMs / 1000}
leader_lease_ttl_seconds = ${TIMINGS.ttlMs / 1000}
`;
      const file = join(t.dir, `${id}.toml`);
      writeFileSync(file, settingsToml(schema.name, apiPort, cluster).toml);
      if (!userMade) {
        // A deployer (config:deploy) must have MFA: enrol it, keep the secret for the sign-in.
        const r = addUser(file, "ops", "deployer", PASSWORD, env);
        if (r.status !== 0) throw new Error(r.stderr);
        const mfa = spawnSync(process.execPath, [...NODE_ARGS, "user", "mfa", "ops", "--settings", file], {
          cwd: ROOT,
          encoding: "utf8",
          env,
        });
        totpSecret = new URL(mfa.stdout.trim()).searchParams.get("secret") ?? "";
        userMade = true;
      }
      const proc = new ServeProcess(["--config", configDir, "--env", "test", "--settings", file], {
        ...env,
        MEFOR_VALUE_IN_HOST: address,
      });
      const node: Node = { id, address, apiPort, proc, seen: new Map() };
      proc.onLine.add((line) => {
        const event = line.event;
        if (typeof event !== "string") return;
        node.seen.set(event, Date.now());
        // The VIP's health check: the node whose graph is up takes the VIP; a node that stops leading drops it.
        // (Only the node the VIP points at can drop it: logs of different nodes arrive in any order.)
        if (event === "cluster-leading") vip.moveTo({ host: address, port: inPort });
        else if (event === "self-fence" || (event === "cluster-role" && line.role === "standby"))
          dropIfMine();
      });
      const dropIfMine = () => {
        if (vip.target?.host === address) vip.moveTo(undefined);
      };
      proc.child.once("exit", dropIfMine);
      nodes.push(node);
      await proc.waitFor((l) => l.event === "ready");
      return node;
    },
    api: (node, method, path, body, token) =>
      http(node.apiPort, method, path, body, token !== undefined ? { token } : {}),
    async login(node) {
      const r = await http(node.apiPort, "POST", "/auth/login", {
        username: "ops",
        password: PASSWORD,
        totp: currentTotp(totpSecret, Date.now()),
      });
      if (r.status !== 200) throw new Error(`login: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.token as string;
    },
    dump() {
      for (const n of nodes) console.log(`----- node ${n.id} (${n.address}) -----\n${n.proc.output}`);
    },
    async cleanup() {
      for (const n of nodes) await n.proc.stop("SIGKILL"); // a stopped (SIGSTOP) process too
      await vip.close();
      await sink.close();
      await sink2.close();
      await schema.drop();
      t.cleanup();
    },
  };
  return fixture;
}

/**
 * A suite's cluster hooks: a fresh fixture for each test, its nodes' logs printed when the test failed
 * (or with MEFOR_HA_DEBUG set), everything stopped and dropped afterwards. Returns the current fixture.
 */
export function useClusterFixture(): () => ClusterFixture {
  let fx: ClusterFixture | undefined;
  beforeEach(async () => {
    fx = await clusterFixture();
  });
  afterEach(async function () {
    if (!fx) return;
    if (this.currentTest?.state === "failed" || process.env.MEFOR_HA_DEBUG) fx.dump();
    await fx.cleanup();
    fx = undefined;
  });
  return () => {
    if (!fx) throw new Error("the cluster fixture exists only inside a test");
    return fx;
  };
}
