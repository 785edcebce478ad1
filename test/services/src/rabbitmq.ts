/**
 * A RabbitMQ (AMQP 0-9-1 broker) for the AMQP connector tests. In order: `MEFOR_TEST_AMQP` (an amqp:
 * url); a broker on 127.0.0.1:5672 that lets guest/guest in (tests use uniquely named queues and
 * exchanges there and delete them after); else Debian's `rabbitmq-server` (installed when missing) run as
 * the test's own node — its own node name, ports, data, log and config in a temporary folder, no plugins —
 * stopped with `rabbitmqctl -n <node> stop` and removed after. A broker the machine runs is only ever
 * connected to. `startRabbitmq({ tls })` also opens an amqps listener (for the TLS tests).
 */
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import amqp from "amqplib";
import { aptInstall } from "./debian.js";
import { freePort } from "./net.js";
import type { Found, Service } from "./service.js";

const run = promisify(execFile);
const MACHINE = "amqp://guest:guest@127.0.0.1:5672";

/** Opens and closes one AMQP connection: the broker is there and lets us in. */
export async function amqpReachable(url: string, socket: amqp.SocketOptions = {}): Promise<boolean> {
  try {
    const c = await amqp.connect(url, { timeout: 3_000, ...socket });
    await c.close();
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): boolean {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/lib/rabbitmq/bin"];
  return dirs.some((d) => d !== "" && existsSync(join(d, name)));
}

export interface RabbitTls {
  /** PEM paths for the broker's amqps listener; clients must present a certificate signed by `ca`. */
  cert: string;
  key: string;
  ca: string;
}

export interface StartedRabbit extends Found {
  /** The amqps listener's port, when started with `tls`. */
  readonly tlsPort?: number;
  readonly node: string;
}

/** Starts the test's own RabbitMQ node (see the file comment); `rabbitmq-server` is installed if missing. */
export async function startRabbitmq(opts: { tls?: RabbitTls } = {}): Promise<StartedRabbit> {
  if (!onPath("rabbitmq-server")) await aptInstall(["rabbitmq-server"]);
  const dir = mkdtempSync(join(tmpdir(), "mefor-test-rabbitmq-"));
  const node = `mefor-test-${randomBytes(4).toString("hex")}@localhost`;
  const port = await freePort();
  const distPort = await freePort();
  const tlsPort = opts.tls ? await freePort() : undefined;
  const conf = [
    `listeners.tcp.default = 127.0.0.1:${port}`,
    "log.console = false",
    "log.file.level = warning",
  ];
  if (opts.tls && tlsPort !== undefined) {
    // Copied in, so the broker's user can read them wherever the test made them.
    for (const [from, to] of [
      [opts.tls.ca, "ca.pem"],
      [opts.tls.cert, "cert.pem"],
      [opts.tls.key, "key.pem"],
    ] as const)
      copyFileSync(from, join(dir, to));
    conf.push(
      `listeners.ssl.default = 127.0.0.1:${tlsPort}`,
      `ssl_options.cacertfile = ${join(dir, "ca.pem")}`,
      `ssl_options.certfile = ${join(dir, "cert.pem")}`,
      `ssl_options.keyfile = ${join(dir, "key.pem")}`,
      "ssl_options.verify = verify_peer",
      "ssl_options.fail_if_no_peer_cert = true",
    );
  }
  writeFileSync(join(dir, "rabbitmq.conf"), `${conf.join("\n")}\n`);
  writeFileSync(join(dir, "enabled_plugins"), "[].\n");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, "mnesia"),
    RABBITMQ_LOG_BASE: join(dir, "log"),
    RABBITMQ_CONFIG_FILE: join(dir, "rabbitmq.conf"),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, "enabled_plugins"),
    RABBITMQ_PID_FILE: join(dir, "rabbitmq.pid"),
  };
  // As root, Debian's wrapper runs the broker as the `rabbitmq` user: it must own the folder (and read TLS files).
  if (process.getuid?.() === 0) giveToRabbitmq(dir);
  const child = spawn("rabbitmq-server", [], { env, stdio: "ignore" });
  let exited: string | undefined;
  child.on("exit", (code, signal) => {
    exited = `rabbitmq-server exited (${signal ?? code}) before accepting connections; logs in ${join(dir, "log")}`;
  });
  const url = `amqp://guest:guest@127.0.0.1:${port}`;
  const stop = () => stopNode(node, env, child, dir);
  try {
    const until = Date.now() + 90_000;
    while (!(await amqpReachable(url))) {
      if (exited !== undefined) throw new Error(exited);
      if (Date.now() > until) throw new Error(`RabbitMQ node ${node} did not accept connections within 90 s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    value: url,
    node,
    ...(tlsPort !== undefined ? { tlsPort } : {}),
    said: `no broker on 127.0.0.1:5672; started RabbitMQ node ${node} on 127.0.0.1:${port} (stopped and removed after the tests)`,
    stop,
  };
}

function giveToRabbitmq(dir: string): void {
  const id = spawnSync("id", ["-u", "rabbitmq"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "rabbitmq"], { encoding: "utf8" });
  const uid = Number(id.stdout.trim());
  const g = Number(gid.stdout.trim());
  if (!Number.isInteger(uid) || id.status !== 0) return;
  const own = (path: string) => {
    chownSync(path, uid, g);
    if (statSync(path).isDirectory()) for (const f of readdirSync(path)) own(join(path, f));
  };
  own(dir);
}

async function stopNode(
  node: string,
  env: NodeJS.ProcessEnv,
  child: ChildProcess,
  dir: string,
): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    await run("rabbitmqctl", ["-n", node, "stop"], { env, timeout: 60_000 }).catch(() =>
      child.kill("SIGTERM"),
    );
    await Promise.race([exit, new Promise((r) => setTimeout(r, 30_000))]);
  }
  rmSync(dir, { recursive: true, force: true });
}

export const rabbitmqService: Service = {
  name: "RabbitMQ",
  env: "MEFOR_TEST_AMQP",
  async find() {
    return (await amqpReachable(MACHINE))
      ? {
          value: MACHINE,
          said: "using the broker on 127.0.0.1:5672 with uniquely named queues/exchanges (set MEFOR_TEST_AMQP to use another)",
        }
      : undefined;
  },
  provide: () => startRabbitmq(),
};
