/**
 * `messagefoundry load --profile NAME|FILE --target host:port`: runs a load profile against an MLLP
 * inbound (or, engine-less, straight at the sink: the generator's own ceiling), reconciles through
 * the engine's API (`--api`, bearer token in MEFOR_API_TOKEN with monitoring:read) and the sink it
 * starts on `--sink-port`, checks the profile's SLO gates and, with `--baseline`, compares with an
 * earlier run. Writes JSON and a self-contained HTML report. On a terminal: a progress line on
 * stderr; otherwise one JSON event per line on stdout (what the Load Test panel reads).
 * Exit code: 0 pass, 1 an SLO gate failed, 4 gates passed but a measure regressed. Synthetic data only.
 */
import { exec } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import type { Command } from "commander";
// The load engine is imported when `load` runs, so other commands do not pay for loading it.
import { PROFILE_NAMES } from "../load/builtin-profiles.js";
import type { LoadEvent, LoadProfile, LoadResult } from "../load/index.js";
import { apiBase } from "./api-base.js";
import { type CliIo, EXIT, UserError } from "./io.js";

interface LoadOptions {
  profile: string;
  target: string;
  api?: string;
  settings?: string;
  sinkPort?: string;
  sinkHost: string;
  json?: string;
  html?: string;
  baseline?: string;
  tolerance: string;
  failoverCommand?: string;
}

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("load")
    .description(
      "Load-test an MLLP inbound with a profile (warmup → ramp → sustained → spike → soak); SLO verdict, JSON and HTML report. Synthetic data only",
    )
    .requiredOption(
      "--profile <name|file>",
      `a built-in (${PROFILE_NAMES.join(", ")}) or a profile JSON file`,
    )
    .requiredOption("--target <host:port>", "the MLLP inbound to load (or the sink itself, engine-less)")
    .option("--api <url>", "the engine's API, for reconciliation and backlog (token in MEFOR_API_TOKEN)")
    .option("--settings <file>", "engine.toml: its [api] address when --api is not given")
    .option(
      "--sink-port <port>",
      "start a sink here (the route's destination): end-to-end latency and delivery checks",
    )
    .option("--sink-host <host>", "address the sink listens on", "127.0.0.1")
    .option("--json <file>", "write the result as JSON")
    .option("--html <file>", "write the self-contained HTML report")
    .option(
      "--baseline <file>",
      "an earlier run's JSON: flag measures worse than it by more than --tolerance",
    )
    .option("--tolerance <percent>", "allowed regression against --baseline, in percent", "10")
    .option(
      "--failover-command <cmd>",
      "failover profiles: the shell command that fails the leader over (e.g. kill -9 PID); without it, POST /cluster/stepdown on --api",
    )
    .action(async (opts: LoadOptions) => {
      setExit(await load(io, opts));
    });
}

type LoadModule = typeof import("../load/index.js");

function readProfile(
  io: CliIo,
  spec: string,
  { builtInProfile, ProfileError, profileFromJson }: LoadModule,
): LoadProfile {
  try {
    const builtIn = builtInProfile(spec);
    if (builtIn) return builtIn;
    const file = resolve(io.cwd, spec);
    if (!existsSync(file))
      throw new UserError(
        `--profile: no built-in named ${spec} and no such file (built-ins: ${PROFILE_NAMES.join(", ")})`,
      );
    return profileFromJson(
      JSON.parse(readFileSync(file, "utf8")) as unknown,
      basename(file).replace(/\.json$/i, ""),
    );
  } catch (error) {
    if (error instanceof ProfileError || error instanceof SyntaxError)
      throw new UserError(`--profile ${spec}: ${error.message}`);
    throw error;
  }
}

function hostPort(flag: string, value: string): { host: string; port: number } {
  const m = /^(.+):(\d+)$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new UserError(`${flag} must be host:port`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ""), port };
}

function readBaseline(io: CliIo, file: string): LoadResult {
  try {
    const r = JSON.parse(readFileSync(resolve(io.cwd, file), "utf8")) as LoadResult;
    if (r.version !== 1 || !Array.isArray(r.phases)) throw new Error("not a load result (version 1)");
    return r;
  } catch (error) {
    throw new UserError(`--baseline ${file}: ${(error as Error).message}`);
  }
}

/**
 * A failover profile's trigger: `--failover-command` run with the shell, or POST /cluster/stepdown on
 * --api (the token needs config:deploy and must be a sensitive token: stepdown needs a recent re-auth).
 */
function failoverTrigger(
  io: CliIo,
  profile: LoadProfile,
  opts: LoadOptions,
): { trigger: "command" | "stepdown"; fire(): Promise<void> } | undefined {
  if (!profile.failover) {
    if (opts.failoverCommand !== undefined)
      throw new UserError(`--failover-command: profile ${profile.name} has no failover`);
    return undefined;
  }
  const command = opts.failoverCommand;
  if (command !== undefined)
    return {
      trigger: "command",
      fire: () =>
        new Promise<void>((resolve, reject) => {
          exec(command, { cwd: io.cwd, env: io.env, timeout: 60_000 }, (error, _out, stderr) => {
            if (error)
              reject(
                new Error(`--failover-command failed (${error.code ?? error.signal}): ${stderr.trim()}`),
              );
            else resolve();
          });
        }),
    };
  const token = io.env.MEFOR_API_TOKEN;
  if ((opts.api === undefined && opts.settings === undefined) || !token)
    throw new UserError(
      `profile ${profile.name} fails the leader over: give --failover-command "CMD", or --api with MEFOR_API_TOKEN set to a sensitive token with config:deploy and monitoring:read (POST /cluster/stepdown needs a recent re-authentication)`,
    );
  const base = apiBase(io, opts);
  return {
    trigger: "stepdown",
    async fire() {
      const res = await fetch(`${base}/cluster/stepdown`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      });
      if (!res.ok) throw new Error(`POST /cluster/stepdown answered HTTP ${res.status}: ${await res.text()}`);
    },
  };
}

/** On a terminal: one line rewritten in place. Otherwise: JSON lines on stdout. */
function printer(io: CliIo): (e: LoadEvent) => void {
  if (io.isTTY !== true) return (e) => io.out(`${JSON.stringify(e)}\n`);
  const fmt = (v: number | null) => (v === null ? "—" : `${v.toFixed(1)} ms`);
  return (e) => {
    if (e.type === "start")
      io.err(`load ${e.profile} → ${e.target}: ${e.phases.length} phases, ${e.seconds} s\n`);
    else if (e.type === "sample")
      io.err(
        `\r${e.t}s ${e.phase}: sent ${e.sent}/s, ACKed ${e.acked}/s, errors ${e.errors}, ACK p99 ${fmt(e.ackP99)}, e2e p99 ${fmt(e.e2eP99)}, backlog ${e.backlog ?? "—"}\u001b[K`,
      );
    else if (e.type === "drain")
      io.err(
        `\rdraining ${e.seconds}s: backlog ${e.backlog ?? "—"}, sink ${e.delivered}/${e.expected}\u001b[K`,
      );
    else {
      io.err("\n");
      for (const c of e.verdict.checks) io.out(`${c.pass ? "pass" : "FAIL"}  ${c.gate}: ${c.detail}\n`);
      for (const g of e.verdict.regressions)
        io.out(`REGRESSED  ${g.measure}: ${g.current} vs ${g.baseline} (${g.worsePercent} % worse)\n`);
      io.out(
        `${e.verdict.pass ? "PASS" : "FAIL"} (exit ${e.exitCode})${e.html ? `; report: ${e.html}` : ""}\n`,
      );
    }
  };
}

async function load(io: CliIo, opts: LoadOptions): Promise<number> {
  const mod = await import("../load/index.js");
  const {
    checkSlo,
    EngineStats,
    EngineStatsError,
    exitCodeOf,
    failoverCheck,
    LoadRun,
    measuresOf,
    regressions,
    renderReport,
    verdictOf,
  } = mod;
  const profile = readProfile(io, opts.profile, mod);
  const target = hostPort("--target", opts.target);
  const sinkPort = opts.sinkPort === undefined ? undefined : Number(opts.sinkPort);
  if (sinkPort !== undefined && (!Number.isInteger(sinkPort) || sinkPort < 0 || sinkPort > 65535))
    throw new UserError("--sink-port must be 0..65535");
  const tolerance = Number(opts.tolerance);
  if (!Number.isFinite(tolerance) || tolerance < 0)
    throw new UserError("--tolerance must be a percentage ≥ 0");
  const baseline = opts.baseline === undefined ? undefined : readBaseline(io, opts.baseline);
  let engine: InstanceType<LoadModule["EngineStats"]> | undefined;
  if (opts.api !== undefined || opts.settings !== undefined) {
    const token = io.env.MEFOR_API_TOKEN;
    if (!token)
      throw new UserError("MEFOR_API_TOKEN is not set: a bearer token with monitoring:read for --api");
    engine = new EngineStats(apiBase(io, opts), token);
  }
  const failover = failoverTrigger(io, profile, opts);
  const print = printer(io);
  const run = new LoadRun({
    ...(failover ? { failover } : {}),
    profile,
    host: target.host,
    port: target.port,
    ...(sinkPort !== undefined ? { sink: { host: opts.sinkHost, port: sinkPort } } : {}),
    ...(engine ? { engine } : {}),
    onEvent: print,
  });
  let measured: Omit<LoadResult, "verdict">;
  try {
    measured = await run.run();
  } catch (error) {
    if (error instanceof EngineStatsError) throw new UserError(error.message, EXIT.FAILED);
    const e = error as NodeJS.ErrnoException;
    if (e.code === "ECONNREFUSED" || e.code === "EADDRINUSE" || /sink cannot listen/.test(e.message))
      throw new UserError(e.message, EXIT.FAILED);
    throw error;
  }
  const checks = checkSlo(profile.slo, measuresOf(measured), measured.reconciliation);
  const notFailedOver = failoverCheck(measured.failover);
  if (notFailedOver) checks.push(notFailedOver);
  const regressed = baseline ? regressions(measuresOf(measured), measuresOf(baseline), tolerance) : [];
  const result: LoadResult = { ...measured, verdict: verdictOf(checks, regressed) };
  const exitCode = exitCodeOf(result.verdict);
  const written: { json?: string; html?: string } = {};
  if (opts.json) {
    written.json = resolve(io.cwd, opts.json);
    writeFileSync(written.json, `${JSON.stringify(result, null, 2)}\n`);
  }
  if (opts.html) {
    written.html = resolve(io.cwd, opts.html);
    writeFileSync(written.html, renderReport(result));
  }
  print({ type: "done", verdict: result.verdict, exitCode, ...written });
  return exitCode;
}
