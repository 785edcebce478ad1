/**
 * The engine client: pure (fetch + ws), usable from the extension host and plain Node tests. The wire
 * types it speaks come from the engine: `import type { … } from "messagefoundry/api"`.
 */
export { EngineClient, type EngineClientOptions, EngineError, type ReauthPrompt, rawText } from "./client.js";
export {
  atLeader,
  type ClusterLeader,
  type ClusterNode,
  type ClusterNodes,
  type ClusterRole,
  type ClusterStatus,
  clientAt,
  clusterStatusOf,
  leaderOf,
  notLeader,
  type ReachableLeader,
  sameUrl,
  singleNode,
  type WriteNode,
  writeTarget,
} from "./cluster.js";
export { parseQuery } from "./query.js";
export { StatsSocketError, type StatsSubscription } from "./statsSocket.js";
export { DEFAULT_TARGET, type EngineTarget, parseTargets, tokenKey } from "./targets.js";
