/**
 * Stand-ins for the parts the registry runner will own (connection start/stop, config promote and
 * history). In memory on purpose and clearly so: the lead replaces them with the runner. Staging is
 * real (StageArea over the real loader); messages and counters use the real store adapters.
 */

import type {
  ConfigService,
  ConfigVersion,
  ConnectionControl,
  ConnectionDirection,
  ConnectionState,
} from "../../src/api/index.js";
import { ApiError, type StageArea } from "../../src/api/index.js";
import type { RegistryGraph } from "../../src/graph/index.js";

export interface MemoryConnection {
  name: string;
  direction: ConnectionDirection;
  transport: string;
  state: ConnectionState;
}

export class MemoryConnections implements ConnectionControl {
  readonly list: MemoryConnection[];
  constructor(list: MemoryConnection[]) {
    this.list = list;
  }
  async start(name: string): Promise<ConnectionState | undefined> {
    const c = this.list.find((x) => x.name === name);
    if (c) c.state = "running";
    return c?.state;
  }
  async stop(name: string): Promise<ConnectionState | undefined> {
    const c = this.list.find((x) => x.name === name);
    if (c) c.state = "stopped";
    return c?.state;
  }
}

export class MemoryConfig implements ConfigService {
  running: RegistryGraph | undefined;
  readonly versions: (ConfigVersion & { graph: RegistryGraph })[] = [];
  readonly #area: StageArea;
  readonly #now: () => number;
  /** Makes the next promote fail (to prove failures are reported and nothing changes). */
  failNextPromote = false;

  constructor(area: StageArea, now: () => number) {
    this.#area = area;
    this.#now = now;
  }

  async graph(): Promise<RegistryGraph> {
    if (!this.running) throw new ApiError("UNAVAILABLE", "no config is running yet; promote one");
    return this.running;
  }
  async active(): Promise<ConfigVersion | undefined> {
    return this.versions[0] && this.#plain(this.versions[0]);
  }
  async stage(files: Record<string, string>, actor: string) {
    return (await this.#area.stage(files, actor, this.running)).result;
  }
  async promote(stageId: string, actor: string): Promise<ConfigVersion> {
    const staged = this.#area.get(stageId);
    if (staged.result.hasErrors) {
      throw new ApiError("CONFIG_INVALID", `staged config ${stageId} has errors; fix them and stage again`);
    }
    if (this.failNextPromote) {
      this.failNextPromote = false;
      throw new ApiError(
        "PROMOTE_FAILED",
        "inbound IB_TEST failed to start; the previous graph was restored",
      );
    }
    return this.#activate(staged.result.contentHash, staged.load.graph, actor, null, () =>
      this.#area.drop(stageId),
    );
  }
  /** Where a stage's files are kept (what the runner loads on promote). */
  stagedDir(stageId: string): string {
    return this.#area.get(stageId).dir;
  }
  async history(): Promise<ConfigVersion[]> {
    return this.versions.map((v) => this.#plain(v));
  }
  async rollback(versionId: string, actor: string): Promise<ConfigVersion> {
    const target = this.versions.find((v) => v.versionId === versionId);
    if (!target) throw new ApiError("VERSION_NOT_FOUND", `no config version ${versionId}`);
    return this.#activate(target.contentHash, target.graph, actor, versionId);
  }

  #activate(
    contentHash: string,
    graph: RegistryGraph,
    actor: string,
    rolledBackFrom: string | null,
    after?: () => void,
  ): ConfigVersion {
    const v = {
      versionId: `v${this.versions.length + 1}`,
      contentHash,
      promotedBy: actor,
      promotedAt: this.#now(),
      rolledBackFrom,
      graph,
    };
    this.running = graph;
    this.versions.unshift(v);
    after?.();
    return this.#plain(v);
  }

  #plain(v: ConfigVersion & { graph?: RegistryGraph }): ConfigVersion {
    const { graph: _g, ...rest } = v;
    return rest;
  }
}
