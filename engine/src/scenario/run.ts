/**
 * Runs one scenario: starts its sinks, starts the engine in-process on a temporary SQLite store (or
 * targets a running one), sends, then re-checks the expectations until they all hold or the time runs
 * out. Everything it started is stopped and its temporary files removed, pass or fail.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { overrideVarName } from "../graph/index.js";
import {
  fileMessages,
  generatedMessages,
  type OutgoingMessage,
  runSender,
  type Sink,
  startSink,
  withMalformed,
} from "../harness/index.js";
import { Engine } from "../runtime/index.js";
import { type CheckResult, evaluate, type Observed } from "./checks.js";
import { apiView, type EngineView, inProcessView } from "./engine-view.js";
import type { SuiteResult } from "./junit.js";
import type { Scenario, ScenarioSend } from "./schema.js";

export interface RunOptions {
  /** The scenario file (relative paths in it resolve against its folder). */
  file: string;
  /** Environment variables: MEFOR_API_TOKEN for a target engine. */
  env: Readonly<Record<string, string | undefined>>;
  /** Progress lines (`sent 3 to IB_ACME_ADT`...): no message content. */
  progress?: (line: string) => void;
}

const POLL_MS = 100;

/** `${tmp}` and `${sink.NAME.port}` in a value. */
function expand(value: string, tmp: string, sinks: Record<string, Sink>): string {
  return value.replace(/\$\{(tmp|sink\.([^.}]+)\.port)\}/g, (whole, _k: string, name: string | undefined) => {
    if (name === undefined) return tmp;
    const s = sinks[name];
    if (!s) throw new Error(`${whole}: no sink named ${name}`);
    return String(s.port);
  });
}

function inboundPort(engine: Engine, name: string): number {
  const c = engine.runner.connections().find((x) => x.name === name);
  const port = c && "port" in c.connector ? c.connector.port : undefined;
  if (typeof port !== "number") throw new Error(`send: no listening inbound named ${name}`);
  return port;
}

function messagesOf(step: ScenarioSend, base: string): Iterable<OutgoingMessage> {
  const source = step.generate
    ? generatedMessages(step.generate.type, step.generate.count, step.generate.seed)
    : fileMessages((step.files ?? []).map((f) => resolve(base, f)));
  return withMalformed(source, step.malformedRate ?? 0, step.generate?.seed ?? 1);
}

export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<SuiteResult> {
  const started = performance.now();
  const base = dirname(resolve(opts.file));
  const tmp = mkdtempSync(join(tmpdir(), "mf-scenario-"));
  const sinks: Record<string, Sink> = {};
  let engine: Engine | undefined;
  const result = (checks: CheckResult[], error?: string): SuiteResult => ({
    name: scenario.name,
    file: opts.file,
    checks,
    ...(error !== undefined ? { error } : {}),
    durationMs: Math.round(performance.now() - started),
  });
  try {
    for (const [name, s] of Object.entries(scenario.sinks)) {
      sinks[name] = await startSink({ ...s.faults, ...(s.port !== undefined ? { port: s.port } : {}) });
      opts.progress?.(`sink ${name} on 127.0.0.1:${sinks[name].port}`);
    }
    let view: EngineView;
    if (scenario.engine) {
      const processEnv: Record<string, string> = {};
      for (const [k, v] of Object.entries(scenario.engine.values))
        processEnv[overrideVarName(k)] = expand(v, tmp, sinks);
      for (const [name, s] of Object.entries(scenario.sinks))
        if (s.value) processEnv[overrideVarName(s.value)] = String(sinks[name]?.port);
      engine = await Engine.open({
        configDir: resolve(base, scenario.engine.config),
        ...(scenario.engine.env ? { env: scenario.engine.env } : {}),
        dbPath: join(tmp, "engine.db"),
        processEnv,
        // A throwaway store in a temporary folder, removed at the end; test data only.
        insecureNoEncryption: true,
        offloadDelivery: false,
        runner: { workers: { pollMs: 100 }, restart: { baseDelayMs: 50, maxDelayMs: 500 } },
        actor: "scenario",
      });
      view = inProcessView(engine);
    } else {
      view = apiView(scenario.target?.api ?? "", opts.env.MEFOR_API_TOKEN);
    }

    const acks: Record<string, number> = {};
    for (const [i, step] of scenario.send.entries()) {
      const port = step.inbound !== undefined && engine ? inboundPort(engine, step.inbound) : step.port;
      if (port === undefined) throw new Error(`send[${i}]: inbound names need a started engine; give port`);
      const { summary } = await runSender(messagesOf(step, base), {
        host: step.host ?? "127.0.0.1",
        port,
        ...(step.connections !== undefined ? { connections: step.connections } : {}),
        ...(step.rate !== undefined ? { rate: step.rate } : {}),
        timeoutMs: step.timeoutMs ?? 10_000,
        keepOutcomes: false,
      });
      for (const [code, n] of Object.entries(summary.codes)) acks[code] = (acks[code] ?? 0) + n;
      opts.progress?.(
        `send[${i}]: ${summary.sent} sent to ${step.inbound ?? `port ${port}`} (${JSON.stringify(summary.codes)})`,
      );
    }

    const observe = async (): Promise<Observed> => {
      const dispositions: Record<string, string | undefined> = {};
      for (const id of Object.keys(scenario.expect.dispositions ?? {}))
        dispositions[id] = await view.disposition(id);
      const deadLetters: Record<string, number> = {};
      for (const conn of Object.keys(scenario.expect.deadLetters ?? {}))
        deadLetters[conn] = await view.deadLetters(conn);
      const records = Object.fromEntries(Object.entries(sinks).map(([n, s]) => [n, s.records]));
      return { acks, dispositions, sinks: records, deadLetters };
    };
    const deadline = performance.now() + scenario.expect.timeoutMs;
    let checks = evaluate(scenario.expect, await observe());
    while (checks.some((c) => !c.ok) && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      checks = evaluate(scenario.expect, await observe());
    }
    return result(checks);
  } catch (error) {
    return result([], (error as Error).message);
  } finally {
    await engine?.stop().catch(() => undefined);
    for (const s of Object.values(sinks)) await s.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}
