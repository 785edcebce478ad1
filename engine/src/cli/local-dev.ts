/**
 * `serve --local-dev`: a developer's own engine on the workspace's config, started from VS Code. A fresh
 * local engine has no users, and nobody should enrol MFA to try a route, so the engine signs in a
 * `local-dev` user itself and writes that session's token to an owner-only file (0600) the extension
 * reads. The session is real (the API checks it like any other), lives only for this run (a new run
 * sets a new password, which ends every earlier session; a graceful stop signs out and deletes the
 * file), and the engine listens on loopback only: any other address is refused.
 *
 * The user's role is `operator`: what trying a route needs — watch connections, read and replay
 * messages, start/stop connections — without user management or promote (a local engine reloads the
 * workspace's config on restart instead). The one-time password in the file answers re-authentication
 * for sensitive views (raw bodies), so the extension never prompts on a local engine.
 */
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { isLoopback } from "../api/binding.js";
import { UserAdmin } from "../auth/index.js";
import type { Engine } from "../runtime/index.js";
import { mkdirPrivate, PRIVATE_FILE_MODE } from "../store/index.js";

export const LOCAL_DEV_USER = "local-dev";
export const LOCAL_DEV_ROLE = "operator";
/** Relative to serve's working directory (the workspace), like the default --db. */
export const DEFAULT_LOCAL_TOKEN_FILE = ".messagefoundry/local-engine.json";

/** What the token file holds (JSON). The extension reads the same shape. */
export interface LocalEngineFile {
  url: string;
  user: string;
  token: string;
  /** The one-time password of this run, for re-authentication without a prompt. */
  password: string;
  pid: number;
  startedAt: string;
}

/** Undefined when `host` may serve a local-dev engine, else the error to show. */
export function localDevBindError(host: string): string | undefined {
  return isLoopback(host)
    ? undefined
    : `--local-dev serves on loopback only (127.0.0.1, ::1, localhost); refusing --api-host ${host}. ` +
        "Drop --local-dev to run a shared engine with real users.";
}

export interface LocalDevSession {
  file: string;
  token: string;
  /** Signs the session out and deletes the token file (graceful stop). */
  end(): Promise<void>;
}

/** Creates (or re-keys) the local-dev user, signs it in and writes the owner-only token file. */
export async function startLocalDev(
  engine: Engine,
  opts: { url: string; file: string },
): Promise<LocalDevSession> {
  const password = randomBytes(24).toString("base64url");
  const users = new UserAdmin(engine.authRepository);
  const actor = "local-dev";
  if ((await users.list()).some((u) => u.name === LOCAL_DEV_USER)) {
    // A new password ends the previous run's sessions: a token is valid for one run only.
    await users.setPassword(actor, LOCAL_DEV_USER, password);
    const current = (await users.list()).find((u) => u.name === LOCAL_DEV_USER);
    if (current?.role !== LOCAL_DEV_ROLE) await users.setRole(actor, LOCAL_DEV_USER, LOCAL_DEV_ROLE);
    if (current?.disabled) await users.enable(actor, LOCAL_DEV_USER);
    if (current?.mfaEnrolled) await users.disableMfa(actor, LOCAL_DEV_USER);
  } else {
    await users.add(actor, LOCAL_DEV_USER, LOCAL_DEV_ROLE, password);
  }
  const { token } = await engine.auth.login({ username: LOCAL_DEV_USER, password });
  const body: LocalEngineFile = {
    url: opts.url,
    user: LOCAL_DEV_USER,
    token,
    password,
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
  mkdirPrivate(dirname(opts.file));
  // Written fresh (never appended): the mode applies at creation, whatever the umask.
  rmSync(opts.file, { force: true });
  writeFileSync(opts.file, `${JSON.stringify(body, null, 2)}\n`, { mode: PRIVATE_FILE_MODE, flag: "wx" });
  return {
    file: opts.file,
    token,
    async end() {
      await engine.auth.logout(token);
      rmSync(opts.file, { force: true });
    },
  };
}
