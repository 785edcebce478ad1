/**
 * The engine API's shapes as the extension reads them (engine/src/api is the truth; these mirror the
 * documented routes). Fields the extension does not use are left open with an index signature so a
 * newer engine adding fields never breaks an older extension.
 */
import type { Problem, RegistryGraph } from "messagefoundry/graph";

export interface Health {
  status: string;
  [key: string]: unknown;
}

export interface LoginRequest {
  username: string;
  password: string;
  totp?: string;
}

export interface ConnectionStatus {
  name: string;
  direction?: "inbound" | "outbound";
  transport?: string;
  state?: string;
  counts?: Record<string, number>;
  queueDepth?: number;
  lastActivity?: string | null;
  [key: string]: unknown;
}

/** One push from WS /ws/stats: counters per connection (and whatever else the engine adds). */
export interface StatsFrame {
  connections?: ConnectionStatus[];
  [key: string]: unknown;
}

export interface MessageSummary {
  id: string;
  connection?: string;
  disposition?: string;
  messageType?: string;
  controlId?: string;
  receivedAt?: string;
  summary?: string;
  [key: string]: unknown;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface MessageQuery {
  connection?: string;
  disposition?: string;
  messageType?: string;
  controlId?: string;
  since?: string;
  until?: string;
  cursor?: string;
  limit?: number;
}

export interface ActiveConfig {
  versionId: string;
  contentHash?: string;
  promotedBy?: string;
  promotedAt?: string;
  [key: string]: unknown;
}

/** Nodes added/removed/changed against the running graph: `{ kind, name }` objects or plain names. */
export interface StageSummary {
  added: unknown[];
  removed: unknown[];
  changed: unknown[];
}

export interface StageResult {
  stageId: string;
  problems: Problem[];
  summary: StageSummary;
}

export type PromoteResult = ActiveConfig;

export interface EngineGraph extends RegistryGraph {}
