/**
 * Clustering: GET /cluster/status, GET /cluster/nodes, POST /cluster/stepdown, and the standby's
 * answer to writes. A standby runs no graph, so every write (POST/PUT/PATCH/DELETE) but signing in
 * and out answers 409 NOT_LEADER naming the leader's API URL; reads are served from the shared
 * database. A single node (no [cluster]) answers its status as role `single-node`.
 */
import { hostname } from "node:os";
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import { AUDIT_ACTIONS } from "../../auth/index.js";
import { ApiError } from "../errors.js";
import {
  type ClusterNodeBody,
  type ClusterStatusBody,
  clusterNodesSchema,
  clusterStatusSchema,
  clusterStepdownSchema,
} from "../schemas/cluster.js";
import { iso, isoOrNull } from "../schemas/common.js";
import { sessionOf } from "../security.js";
import type { ClusterService, ClusterStatus, EngineServices } from "../services.js";

type Deps = Pick<EngineServices, "auth" | "config" | "cluster">;

/** Writes a standby still takes: signing in and out, re-authentication, one's own password. */
const STANDBY_WRITES = /^\/auth\//;
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The NOT_LEADER error for a node that does not lead now. */
export async function notLeader(cluster: ClusterService): Promise<ApiError> {
  const leader = await cluster.leader();
  return new ApiError(
    "NOT_LEADER",
    leader
      ? `this node is a standby: send writes to the leader ${leader.nodeId}${leader.apiUrl ? ` at ${leader.apiUrl}` : ""}`
      : "this node is a standby and no node leads right now: retry shortly",
    { leader },
  );
}

/** Registered after the security plugin: an unauthenticated write still gets its 401 first. */
export const standbyWrites = fp(
  async (app: FastifyInstance, { cluster }: { cluster: ClusterService | undefined }) => {
    if (!cluster) return;
    app.addHook("onRequest", async (req) => {
      if (!WRITE_METHODS.has(req.method) || cluster.leading()) return;
      if (STANDBY_WRITES.test(req.url)) return;
      throw await notLeader(cluster);
    });
  },
  { name: "messagefoundry-standby-writes", fastify: "5.x", dependencies: ["messagefoundry-security"] },
);

export const clusterRoutes: FastifyPluginAsync<Deps> = async (app, { auth, config, cluster }) => {
  const singleNode = async (): Promise<ClusterStatus> => ({
    nodeId: hostname(),
    clustered: false,
    role: "single-node",
    configVersion: (await config.active())?.contentHash ?? null,
    leader: null,
  });

  app.get<{ Reply: ClusterStatusBody }>(
    "/cluster/status",
    { schema: clusterStatusSchema, config: { permission: "monitoring:read" } },
    async () => (cluster ? cluster.status() : singleNode()),
  );

  app.get<{ Reply: { nodes: ClusterNodeBody[] } }>(
    "/cluster/nodes",
    { schema: clusterNodesSchema, config: { permission: "monitoring:read" } },
    async () => {
      if (!cluster) {
        const s = await singleNode();
        const now = new Date().toISOString();
        return {
          nodes: [
            {
              nodeId: s.nodeId,
              apiUrl: null,
              lastHeartbeat: now,
              leader: true,
              leaseOwner: null,
              leaseExpiresAt: null,
              promotable: false,
              configVersion: s.configVersion,
              role: "single-node",
              note: null,
            },
          ],
        };
      }
      const nodes = await cluster.nodes();
      return {
        nodes: nodes.map((n) => ({
          ...n,
          lastHeartbeat: iso(n.lastHeartbeat),
          leaseExpiresAt: isoOrNull(n.leaseExpiresAt),
        })),
      };
    },
  );

  app.post<{ Reply: ClusterStatusBody }>(
    "/cluster/stepdown",
    { schema: clusterStepdownSchema, config: { permission: "config:deploy", reauth: true } },
    async (req) => {
      const session = sessionOf(req);
      if (!cluster)
        throw new ApiError("CONFLICT", "this engine is not clustered: there is no lease to hand over");
      const status = await cluster.stepdown();
      await auth.recordAudit(session, AUDIT_ACTIONS.clusterStepdown, `node:${status.nodeId}`, {});
      return status;
    },
  );
};
