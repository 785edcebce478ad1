/**
 * The API's EngineServices over a running Engine: the API's store adapters for messages and
 * counters (fed the runner's live connection states), connection control through the runner, and
 * config through the config versions, mapped onto the API's stable error codes.
 */
import {
  type AccountServices,
  ApiError,
  type ClusterService,
  type ClusterStatus,
  type ConfigService,
  type ConfigVersion,
  type ConnectionControl,
  type ConnectionState,
  type EngineServices,
  type EngineStats,
  type MonitoringService,
  type SwapOptions,
  storeMessages,
  storeMonitoring,
} from "../api/index.js";
import { ApiTokens, UserAdmin, UserSessions } from "../auth/index.js";
import type { LogRing } from "../log-ring.js";
import type { ClusterNode } from "./cluster.js";
import { ConfigVersionError, type ConfigVersions } from "./config-versions.js";
import { describeConnections } from "./connection-states.js";
import type { Engine } from "./engine.js";
import { queuedFor, RemovedQueuedError, withRemovedQueued } from "./removed-queued.js";
import type { VersionRow } from "./versions-repository.js";

/** `recentLog`: the ring `serve` tees the engine's log into (log-ring.ts), for support bundles. */
export function engineServices(engine: Engine, opts: { recentLog?: LogRing } = {}): EngineServices {
  const ring = opts.recentLog;
  const cluster = engine.cluster ? clusterService(engine.cluster) : undefined;
  return {
    auth: engine.auth,
    accounts: accounts(engine),
    monitoring: withAlerts(
      storeMonitoring(engine.store, () => describeConnections(engine.runner)),
      engine,
      cluster,
    ),
    connections: control(engine),
    messages: storeMessages(engine.store, engine.blindIndex ? { blindIndex: engine.blindIndex } : {}),
    config: config(engine),
    alerts: {
      active: () => engine.alerts.active(),
      recent: () => engine.alerts.recent().map(({ notify: _n, ...notice }) => notice),
    },
    metrics: { latencies: () => engine.latencies.snapshot(), startedAt: engine.startedAt },
    ...(ring ? { support: { recentLog: () => ring.snapshot() } } : {}),
    ...(cluster ? { cluster } : {}),
  };
}

type ClusterFeed = NonNullable<EngineStats["cluster"]>;

/** The API's view of this node's cluster membership (runtime/cluster.ts). */
export function clusterService(node: ClusterNode): ClusterService & { feed(): Promise<ClusterFeed> } {
  let roleChangedAt: number | null = null;
  node.onRoleChange((c) => {
    roleChangedAt = c.at;
  });
  const status = async (): Promise<ClusterStatus> => ({
    nodeId: node.nodeId,
    clustered: true,
    role: node.role,
    configVersion: node.configVersion,
    leader: await node.leader(),
  });
  return {
    status,
    nodes: () => node.nodes(),
    leading: () => node.role === "primary",
    leader: () => node.leader(),
    stepdown: async () => {
      if (node.role !== "primary") {
        const leader = await node.leader();
        throw new ApiError("NOT_LEADER", "this node is not the leader: step down on the leader", { leader });
      }
      await node.stepdown();
      return status();
    },
    feed: async () => ({ nodeId: node.nodeId, role: node.role, leader: await node.leader(), roleChangedAt }),
  };
}

/** Users, sessions and tokens over the engine's auth tables, on the auth service's clock and policy. */
function accounts(engine: Engine): AccountServices {
  const now = () => engine.auth.now();
  const policy = engine.auth.policy;
  return {
    users: new UserAdmin(engine.authRepository, { policy, now }),
    sessions: new UserSessions(engine.authRepository, policy, now),
    tokens: new ApiTokens(engine.authRepository, { now }),
  };
}

/** The stats (GET /stats and every /ws/stats push) carry the alerts firing now. */
function withAlerts(
  monitoring: MonitoringService,
  engine: Engine,
  cluster: { feed(): Promise<ClusterFeed> } | undefined,
): MonitoringService {
  return {
    connections: () => monitoring.connections(),
    stats: async () => ({
      ...(await monitoring.stats()),
      alerts: engine.alerts.active(),
      ...(cluster ? { cluster: await cluster.feed() } : {}),
    }),
  };
}

function control(engine: Engine): ConnectionControl {
  const act = async (name: string, start: boolean): Promise<ConnectionState | undefined> => {
    if (!engine.runner.has(name)) return undefined;
    if (start) await engine.runner.startConnection(name);
    else await engine.runner.stopConnection(name);
    return start ? "running" : "stopped";
  };
  return { start: (name) => act(name, true), stop: (name) => act(name, false) };
}

function toVersion(v: VersionRow): ConfigVersion {
  return {
    versionId: v.versionId,
    contentHash: v.contentHash,
    promotedBy: v.promotedBy,
    promotedAt: v.promotedAt,
    rolledBackFrom: v.rolledBackFrom,
  };
}

async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ConfigVersionError) throw new ApiError(error.code, error.message);
    if (error instanceof RemovedQueuedError)
      throw new ApiError(error.code, error.message, { details: { removedQueued: error.items } });
    throw error;
  }
}

/** A promote/rollback with the caller's choices for rows queued on connections it removes. */
function swapping<T>(opts: SwapOptions | undefined, run: () => Promise<T>): Promise<T> {
  return mapped(() => withRemovedQueued(opts ?? {}, run));
}

function config(engine: Engine): ConfigService {
  const v = engine.versions;
  return {
    async graph() {
      const registry = engine.runner.registry;
      if (!registry) throw new ApiError("UNAVAILABLE", "no config is running");
      return registry.graph;
    },
    async active() {
      const a = await v.active();
      return a ? toVersion(a) : undefined;
    },
    async stage(files, actor) {
      const staged = await mapped(() => v.stage(files));
      engine.log.info({ event: "config-stage", stageId: staged.stageId, actor }, "config staged by user");
      const removed = staged.changes.removed.filter((n) => n.kind === "inbound" || n.kind === "outbound");
      const removedQueued = await queuedFor(
        engine.store,
        removed.map((n) => n.name),
      );
      return { ...staged, removedQueued };
    },
    promote: (stageId, actor, opts) => swapping(opts, async () => toVersion(await v.promote(stageId, actor))),
    history: async () => (await v.history()).map(toVersion),
    rollback: (versionId, actor, opts) =>
      swapping(opts, async () => toVersion(await v.rollback(versionId, actor))),
    versionFiles: async (versionId) => versionFiles(v, versionId),
  };
}

/** A kept version's files, verified against its content hash (a tampered dir answers CONFIG_TAMPERED). */
function versionFiles(v: ConfigVersions, versionId: string): Promise<Record<string, string> | undefined> {
  return mapped(() => v.files(versionId));
}
