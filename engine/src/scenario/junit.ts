/** JUnit XML for CI systems: one testsuite per scenario, one testcase per check. Pure. */
import type { CheckResult } from "./checks.js";

export interface SuiteResult {
  name: string;
  /** The scenario file. */
  file: string;
  checks: CheckResult[];
  /** Set when the scenario could not run at all (bad file, engine failed to start...). */
  error?: string;
  durationMs: number;
}

const ENTITIES: Record<string, string> = {
  "<": "&lt;",
  ">": "&gt;",
  "&": "&amp;",
  '"': "&quot;",
  "'": "&apos;",
};

/** Escapes for an attribute; characters XML 1.0 cannot carry at all become "?". */
function esc(s: string): string {
  let out = "";
  for (const c of s) {
    const code = c.charCodeAt(0);
    out += ENTITIES[c] ?? (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d ? "?" : c);
  }
  return out;
}

export function junitXml(suites: readonly SuiteResult[]): string {
  const secs = (ms: number) => (ms / 1000).toFixed(3);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = suites.reduce((n, s) => n + Math.max(1, s.checks.length), 0);
  const failures = suites.reduce((n, s) => n + s.checks.filter((c) => !c.ok).length, 0);
  const errors = suites.filter((s) => s.error !== undefined).length;
  const time = suites.reduce((n, s) => n + s.durationMs, 0);
  lines.push(
    `<testsuites name="messagefoundry scenarios" tests="${total}" failures="${failures}" errors="${errors}" time="${secs(time)}">`,
  );
  for (const s of suites) {
    const fails = s.checks.filter((c) => !c.ok).length;
    const tests = s.error !== undefined && s.checks.length === 0 ? 1 : s.checks.length;
    lines.push(
      `  <testsuite name="${esc(s.name)}" file="${esc(s.file)}" tests="${tests}" failures="${fails}" errors="${s.error !== undefined ? 1 : 0}" time="${secs(s.durationMs)}">`,
    );
    if (s.error !== undefined && s.checks.length === 0)
      lines.push(
        `    <testcase classname="${esc(s.name)}" name="run"><error message="${esc(s.error)}"/></testcase>`,
      );
    for (const c of s.checks) {
      const open = `    <testcase classname="${esc(s.name)}" name="${esc(c.name)}"`;
      lines.push(c.ok ? `${open}/>` : `${open}><failure message="${esc(c.message)}"/></testcase>`);
    }
    lines.push("  </testsuite>");
  }
  lines.push("</testsuites>");
  return `${lines.join("\n")}\n`;
}
