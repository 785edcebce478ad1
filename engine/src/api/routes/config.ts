/** GET /graph, GET /config/active, POST /config/stage|promote|rollback, GET /config/history. */
import type { FastifyPluginAsync } from "fastify";
import { AUDIT_ACTIONS, type AuditAction, holds, type Session } from "../../auth/index.js";
import { maskGraphSecrets } from "../../graph/index.js";
import { ApiError, toApiError } from "../errors.js";
import { iso } from "../schemas/common.js";
import {
  type ActiveConfigResponse,
  activeSchema,
  type ConfigHistory,
  type ConfigVersion as ConfigVersionBody,
  type GraphBody,
  graphSchema,
  historySchema,
  MAX_BUNDLE_BYTES,
  type PromoteRequest,
  promoteSchema,
  type RollbackRequest,
  rollbackSchema,
  type StageRequest,
  type StageResult,
  stageSchema,
  type VersionFiles,
  versionFilesSchema,
} from "../schemas/config.js";
import { sessionOf } from "../security.js";
import type { ConfigFiles, ConfigVersion, EngineServices, SwapOptions } from "../services.js";

/** The request's choices for rows queued on removed connections, in the services' terms. */
function swapOptions(body: PromoteRequest | RollbackRequest): SwapOptions {
  return {
    ...(body.removedQueued && { removedQueued: body.removedQueued }),
    ...(body.drainTimeoutSeconds !== undefined && { drainTimeoutMs: body.drainTimeoutSeconds * 1000 }),
  };
}

function versionView(v: ConfigVersion): ConfigVersionBody {
  return { ...v, promotedAt: iso(v.promotedAt), rolledBackFrom: v.rolledBackFrom ?? null };
}

/**
 * A bundle path must stay inside the config dir once written: relative, forward slashes, no `.`/`..`
 * segments, no drive letters or control characters. Throws INVALID_BUNDLE naming the path.
 */
export function checkBundle(files: ConfigFiles): void {
  let bytes = 0;
  for (const [path, content] of Object.entries(files)) {
    const segments = path.split("/");
    const bad =
      path.startsWith("/") ||
      path.includes("\\") ||
      /^[A-Za-z]:/.test(path) ||
      // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
      /[\u0000-\u001f]/.test(path) ||
      segments.some((s) => s === "" || s === "." || s === "..");
    if (bad) {
      throw new ApiError(
        "INVALID_BUNDLE",
        `bundle path ${JSON.stringify(path)} must be relative with forward slashes and no "." or ".." segments`,
      );
    }
    bytes += Buffer.byteLength(content, "utf8");
  }
  if (bytes > MAX_BUNDLE_BYTES) {
    throw new ApiError("INVALID_BUNDLE", `bundle is ${bytes} bytes; the limit is ${MAX_BUNDLE_BYTES}`);
  }
}

type Deps = Pick<EngineServices, "auth" | "config">;

export const configRoutes: FastifyPluginAsync<Deps> = async (app, { auth, config }) => {
  /** A failed promote/rollback is audited too (outcome "failed" and the code), then answered as usual. */
  async function audited<T>(
    session: Session,
    action: AuditAction,
    target: string,
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      return await run();
    } catch (err) {
      await auth.recordAudit(session, action, target, { outcome: "failed", code: toApiError(err).code });
      throw err;
    }
  }

  app.get<{ Reply: GraphBody }>(
    "/graph",
    { schema: graphSchema, config: { permission: "monitoring:read" } },
    async (req) => {
      const graph = await config.graph();
      // Secret settings (tokens, passwords, REST header values) are the config roles' business only.
      const session = sessionOf(req);
      return holds(session, "config:stage") || holds(session, "config:deploy")
        ? graph
        : maskGraphSecrets(graph);
    },
  );

  app.get<{ Reply: ActiveConfigResponse }>(
    "/config/active",
    { schema: activeSchema, config: { permission: "monitoring:read" } },
    async () => {
      const active = await config.active();
      return { active: active ? versionView(active) : null };
    },
  );

  app.get<{ Reply: ConfigHistory }>(
    "/config/history",
    { schema: historySchema, config: { permission: "monitoring:read" } },
    async () => ({
      items: (await config.history()).map(versionView),
    }),
  );

  app.post<{ Body: StageRequest; Reply: StageResult }>(
    "/config/stage",
    {
      schema: stageSchema,
      // Staging runs the bundle's code (in a worker, see config/isolated-load.ts): re-auth like promote.
      config: { permission: "config:stage", reauth: true },
      // JSON escaping can double a bundle's size on the wire.
      bodyLimit: 2 * MAX_BUNDLE_BYTES + 65536,
    },
    async (req) => {
      const session = sessionOf(req);
      checkBundle(req.body.files);
      const staged = await config.stage(req.body.files, session.username);
      await auth.recordAudit(session, AUDIT_ACTIONS.configStaged, `stage:${staged.stageId}`, {
        contentHash: staged.contentHash,
        files: Object.keys(req.body.files).length,
        hasErrors: staged.hasErrors,
      });
      return { ...staged, expiresAt: iso(staged.expiresAt), removedQueued: staged.removedQueued ?? [] };
    },
  );

  app.post<{ Body: PromoteRequest; Reply: ConfigVersionBody }>(
    "/config/promote",
    { schema: promoteSchema, config: { permission: "config:deploy", reauth: true } },
    async (req) => {
      const session = sessionOf(req);
      const version = await audited(session, AUDIT_ACTIONS.configPromoted, `stage:${req.body.stageId}`, () =>
        config.promote(req.body.stageId, session.username, swapOptions(req.body)),
      );
      await auth.recordAudit(session, AUDIT_ACTIONS.configPromoted, `config:${version.versionId}`, {
        stageId: req.body.stageId,
        contentHash: version.contentHash,
        ...(req.body.removedQueued && { removedQueued: req.body.removedQueued }),
      });
      return versionView(version);
    },
  );

  app.post<{ Body: RollbackRequest; Reply: ConfigVersionBody }>(
    "/config/rollback",
    { schema: rollbackSchema, config: { permission: "config:deploy", reauth: true } },
    async (req) => {
      const session = sessionOf(req);
      const version = await audited(
        session,
        AUDIT_ACTIONS.configRolledBack,
        `config:${req.body.versionId}`,
        () => config.rollback(req.body.versionId, session.username, swapOptions(req.body)),
      );
      await auth.recordAudit(session, AUDIT_ACTIONS.configRolledBack, `config:${version.versionId}`, {
        to: req.body.versionId,
        contentHash: version.contentHash,
        ...(req.body.removedQueued && { removedQueued: req.body.removedQueued }),
      });
      return versionView(version);
    },
  );

  app.get<{ Params: { versionId: string }; Reply: VersionFiles }>(
    "/config/versions/:versionId/files",
    // Config source is the config roles' business (the review before a promote or rollback).
    { schema: versionFilesSchema, config: { permission: "config:deploy" } },
    async (req) => {
      const files = await config.versionFiles?.(req.params.versionId);
      if (!files)
        throw new ApiError(
          "VERSION_NOT_FOUND",
          `no config version ${req.params.versionId} is kept on this engine`,
        );
      return { versionId: req.params.versionId, files };
    },
  );
};
