/**
 * What the engine and the sandbox child (sandbox-child.ts) exchange: one job on the child's stdin,
 * one JSON answer on fd 3. Types and constants only, so importing it runs nothing.
 */
import type { Declarations } from "./collector.js";
import type { ConfigBundle, Thrown } from "./execute.js";

export interface SandboxJob {
  configDir: string;
  bundle: ConfigBundle;
}

/** The child's answer: what the config declared and what it threw, or why its declarations are not data. */
export type SandboxAnswer = { declarations: Declarations; thrown?: Thrown } | { notPlain: string };

/** The answer's file descriptor (stdout and stderr are config code's own console, discarded). */
export const RESULT_FD = 3;
