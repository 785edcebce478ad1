/** CLI plumbing shared by every subcommand: output sinks, exit codes, user errors, problem printing. */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Problem } from "../graph/index.js";

/** Stable exit codes. */
export const EXIT = {
  OK: 0,
  /** The command ran and found problems (validation errors, failed fixtures). */
  FAILED: 1,
  /** The user asked for something impossible (bad flag, missing dir). */
  USAGE: 2,
  /** A bug in MessageFoundry. */
  INTERNAL: 3,
} as const;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Whether a person watches (stderr is a terminal): progress lines instead of JSON. */
  isTTY?: boolean;
}

export const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  env: process.env,
  isTTY: process.stderr.isTTY === true,
};

/** A mistake by the user: printed as one line, no stack trace, exit 2. */
export class UserError extends Error {
  override name = "UserError";
  constructor(
    message: string,
    readonly exitCode: number = EXIT.USAGE,
  ) {
    super(message);
  }
}

export function configDir(io: CliIo, dir: string | undefined): string {
  const abs = resolve(io.cwd, dir ?? ".");
  if (!existsSync(abs)) throw new UserError(`config dir not found: ${dir ?? "."}`);
  return abs;
}

/** `--env`, else MEFOR_ENV, else `dev` when environments/dev.toml exists. */
export function pickEnv(io: CliIo, dir: string, env: string | undefined): string | undefined {
  if (env !== undefined) return env;
  if (io.env.MEFOR_ENV) return io.env.MEFOR_ENV;
  return existsSync(join(dir, "environments", "dev.toml")) ? "dev" : undefined;
}

export function formatProblem(p: Problem): string {
  const l = p.location;
  let s = `${l.file || "(config)"}:${l.line}:${l.column}: ${p.severity} ${p.code}: ${p.message}`;
  if (p.hint) s += `\n    hint: ${p.hint}`;
  for (const r of p.related ?? [])
    s += `\n    see ${r.location.file}:${r.location.line}:${r.location.column}: ${r.message}`;
  return s;
}

export function summary(problems: Problem[]): string {
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.filter((p) => p.severity === "warning").length;
  return `${errors} error(s), ${warnings} warning(s)`;
}

/** Stable JSON for `--json` outputs (pinned by fixtures). */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
