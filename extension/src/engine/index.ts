/** The engine client: pure (fetch + ws), usable from the extension host and plain Node tests. */
export type * from "./api.js";
export { EngineClient, type EngineClientOptions, EngineError, type ReauthPrompt, rawText } from "./client.js";
export { parseQuery } from "./query.js";
export { StatsSocketError, type StatsSubscription } from "./statsSocket.js";
export { DEFAULT_TARGET, type EngineTarget, parseTargets, tokenKey } from "./targets.js";
