/**
 * A headless scenario (`messagefoundry scenario run FILE`): a small JSON or TOML file that says which
 * engine to drive, which sinks (test destinations, with faults) to start, what to send, and what to
 * expect: ACK codes, dispositions, deliveries to the sinks and dead letters. Parsing and checking are
 * pure; scenario-run.ts does the I/O.
 *
 *   { "name": "ADT reaches billing",
 *     "engine": { "config": "../config", "env": "dev", "values": { "emr_adt_dir": "${tmp}/emr" } },
 *     "sinks": { "billing": { "value": "billing_port", "faults": { "rules": { "ADT1": { "action": "AE", "times": 1 } } } } },
 *     "send": [ { "inbound": "IB_ACME_ADT", "files": ["../messages/adt_a01.hl7"] } ],
 *     "expect": { "acks": { "AA": 1 }, "deliveries": { "billing": { "accepted": 1 } } } }
 */
import { parse as parseToml } from "smol-toml";
import { isMessageType, type MessageTypeName } from "../generate/index.js";
import {
  type Distribution,
  parseDistribution,
  SINK_ACTIONS,
  type SinkAction,
  type SinkRule,
} from "../harness/index.js";

export const DISPOSITIONS = ["RECEIVED", "ROUTED", "UNROUTED", "FILTERED", "PROCESSED", "ERROR"] as const;
export type ScenarioDisposition = (typeof DISPOSITIONS)[number];

export interface ScenarioSinkFaults {
  aeRate?: number;
  arRate?: number;
  dropRate?: number;
  silentRate?: number;
  delay?: Distribution;
  rules?: Record<string, SinkRule>;
}

export interface ScenarioSink {
  /** The env() key the sink's port is given to (MEFOR_VALUE_<KEY>), e.g. billing_port. */
  value?: string;
  /** A fixed port (a target engine's config points at it); default a free port. */
  port?: number;
  faults: ScenarioSinkFaults;
}

export interface ScenarioSend {
  /** An inbound of the started engine (its bound port), or a host/port. */
  inbound?: string;
  host?: string;
  port?: number;
  files?: string[];
  generate?: { type: MessageTypeName; count: number; seed: number };
  connections?: number;
  rate?: number;
  malformedRate?: number;
  timeoutMs?: number;
}

export interface SinkExpectation {
  /** Messages answered AA: a number, or the exact control ids in order. */
  accepted?: number | string[];
  /** Arrivals per control id (redeliveries included). */
  arrivals?: Record<string, number>;
  /** Answers per action. */
  actions?: Partial<Record<SinkAction, number>>;
}

export interface ScenarioExpect {
  /** Counts of the senders' outcomes (AA, AE, AR, timeout...). */
  acks?: Record<string, number>;
  /** The final disposition of each control id. */
  dispositions?: Record<string, ScenarioDisposition>;
  deliveries?: Record<string, SinkExpectation>;
  /** Dead-lettered rows per outbound connection. */
  deadLetters?: Record<string, number>;
  /** How long to wait for the expectations to hold (default 30 s). */
  timeoutMs: number;
}

export interface Scenario {
  name: string;
  /** Start an engine in-process on a temporary SQLite store... */
  engine?: { config: string; env?: string; values: Record<string, string> };
  /** ...or check a running one through its API (a bearer token from MEFOR_API_TOKEN). */
  target?: { api: string };
  sinks: Record<string, ScenarioSink>;
  send: ScenarioSend[];
  expect: ScenarioExpect;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads a scenario file's text (TOML when `file` ends in .toml, else JSON); errors name the field. */
export function parseScenario(text: string, file: string): Scenario {
  let raw: unknown;
  try {
    raw = file.toLowerCase().endsWith(".toml") ? parseToml(text) : JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(`${file}: ${(error as Error).message}`);
  }
  return checkScenario(raw, file);
}

export class ScenarioError extends Error {
  override name = "ScenarioError";
}

function checkScenario(raw: unknown, file: string): Scenario {
  const fail = (where: string, what: string): never => {
    throw new ScenarioError(`${file}: ${where}: ${what}`);
  };
  if (!isObj(raw)) return fail("(top)", "must be an object");
  const str = (v: unknown, where: string): string =>
    typeof v === "string" && v !== "" ? v : fail(where, "must be a non-empty string");
  const num = (v: unknown, where: string, min = 0, max = Number.MAX_SAFE_INTEGER): number =>
    typeof v === "number" && Number.isFinite(v) && v >= min && v <= max
      ? v
      : fail(where, `must be a number ${min}..${max}`);
  const obj = (v: unknown, where: string): Obj => (isObj(v) ? v : fail(where, "must be an object"));
  const counts = (v: unknown, where: string): Record<string, number> =>
    Object.fromEntries(Object.entries(obj(v, where)).map(([k, n]) => [k, num(n, `${where}.${k}`)]));
  const known = (o: Obj, where: string, keys: string[]): void => {
    for (const k of Object.keys(o))
      if (!keys.includes(k)) fail(`${where}.${k}`, `unknown field (known: ${keys.join(", ")})`);
  };
  known(raw, "(top)", ["name", "engine", "target", "sinks", "send", "expect"]);

  let engine: Scenario["engine"];
  if (raw.engine !== undefined) {
    const e = obj(raw.engine, "engine");
    known(e, "engine", ["config", "env", "values"]);
    const values = e.values === undefined ? {} : obj(e.values, "engine.values");
    engine = {
      config: str(e.config, "engine.config"),
      ...(e.env !== undefined ? { env: str(e.env, "engine.env") } : {}),
      values: Object.fromEntries(
        Object.entries(values).map(([k, v]) => [
          k,
          typeof v === "number" ? String(v) : str(v, `engine.values.${k}`),
        ]),
      ),
    };
  }
  let target: Scenario["target"];
  if (raw.target !== undefined) {
    const t = obj(raw.target, "target");
    known(t, "target", ["api"]);
    target = { api: str(t.api, "target.api") };
  }
  if ((engine === undefined) === (target === undefined))
    fail("(top)", "give either engine (start one) or target (a running one)");

  const sinks: Record<string, ScenarioSink> = {};
  for (const [name, v] of Object.entries(raw.sinks === undefined ? {} : obj(raw.sinks, "sinks"))) {
    const w = `sinks.${name}`;
    const s = obj(v, w);
    known(s, w, ["value", "port", "faults"]);
    const f = s.faults === undefined ? {} : obj(s.faults, `${w}.faults`);
    known(f, `${w}.faults`, ["aeRate", "arRate", "dropRate", "silentRate", "delay", "rules"]);
    const faults: ScenarioSinkFaults = {};
    for (const k of ["aeRate", "arRate", "dropRate", "silentRate"] as const)
      if (f[k] !== undefined) faults[k] = num(f[k], `${w}.faults.${k}`, 0, 1);
    if (f.delay !== undefined) {
      try {
        faults.delay = parseDistribution(
          typeof f.delay === "number" ? String(f.delay) : str(f.delay, `${w}.faults.delay`),
        );
      } catch (error) {
        fail(`${w}.faults.delay`, (error as Error).message);
      }
    }
    if (f.rules !== undefined) {
      faults.rules = {};
      for (const [id, r] of Object.entries(obj(f.rules, `${w}.faults.rules`))) {
        const rule = obj(r, `${w}.faults.rules.${id}`);
        const action = rule.action as SinkAction;
        if (!SINK_ACTIONS.includes(action))
          fail(`${w}.faults.rules.${id}.action`, `must be one of ${SINK_ACTIONS.join(", ")}`);
        faults.rules[id] = {
          action,
          ...(rule.times !== undefined ? { times: num(rule.times, `${w}.faults.rules.${id}.times`, 1) } : {}),
        };
      }
    }
    sinks[name] = {
      ...(s.value !== undefined ? { value: str(s.value, `${w}.value`) } : {}),
      ...(s.port !== undefined ? { port: num(s.port, `${w}.port`, 1, 65535) } : {}),
      faults,
    };
  }

  if (!Array.isArray(raw.send) || raw.send.length === 0) fail("send", "must be a non-empty list");
  const send = (raw.send as unknown[]).map((v, i): ScenarioSend => {
    const w = `send[${i}]`;
    const s = obj(v, w);
    known(s, w, [
      "inbound",
      "host",
      "port",
      "files",
      "generate",
      "connections",
      "rate",
      "malformedRate",
      "timeoutMs",
    ]);
    if ((s.inbound === undefined) === (s.port === undefined)) fail(w, "give inbound (a name) or port");
    if ((s.files === undefined) === (s.generate === undefined)) fail(w, "give files or generate");
    let generate: ScenarioSend["generate"];
    if (s.generate !== undefined) {
      const g = obj(s.generate, `${w}.generate`);
      const type = str(g.type, `${w}.generate.type`);
      if (!isMessageType(type)) fail(`${w}.generate.type`, `unknown message type ${type}`);
      generate = {
        type: type as MessageTypeName,
        count: num(g.count ?? 1, `${w}.generate.count`, 1, 1_000_000),
        seed: num(g.seed ?? 1, `${w}.generate.seed`),
      };
    }
    const files =
      s.files === undefined
        ? undefined
        : Array.isArray(s.files)
          ? s.files.map((f, j) => str(f, `${w}.files[${j}]`))
          : fail(`${w}.files`, "must be a list of paths");
    return {
      ...(s.inbound !== undefined ? { inbound: str(s.inbound, `${w}.inbound`) } : {}),
      ...(s.host !== undefined ? { host: str(s.host, `${w}.host`) } : {}),
      ...(s.port !== undefined ? { port: num(s.port, `${w}.port`, 1, 65535) } : {}),
      ...(files ? { files } : {}),
      ...(generate ? { generate } : {}),
      ...(s.connections !== undefined
        ? { connections: num(s.connections, `${w}.connections`, 1, 1000) }
        : {}),
      ...(s.rate !== undefined ? { rate: num(s.rate, `${w}.rate`, 0.001) } : {}),
      ...(s.malformedRate !== undefined
        ? { malformedRate: num(s.malformedRate, `${w}.malformedRate`, 0, 1) }
        : {}),
      ...(s.timeoutMs !== undefined ? { timeoutMs: num(s.timeoutMs, `${w}.timeoutMs`, 1) } : {}),
    };
  });

  const e = obj(raw.expect ?? {}, "expect");
  known(e, "expect", ["acks", "dispositions", "deliveries", "deadLetters", "timeoutMs"]);
  const expect: ScenarioExpect = {
    timeoutMs: e.timeoutMs === undefined ? 30_000 : num(e.timeoutMs, "expect.timeoutMs", 1),
  };
  if (e.acks !== undefined) expect.acks = counts(e.acks, "expect.acks");
  if (e.deadLetters !== undefined) expect.deadLetters = counts(e.deadLetters, "expect.deadLetters");
  if (e.dispositions !== undefined) {
    expect.dispositions = {};
    for (const [id, d] of Object.entries(obj(e.dispositions, "expect.dispositions"))) {
      if (!DISPOSITIONS.includes(d as ScenarioDisposition))
        fail(`expect.dispositions.${id}`, `must be one of ${DISPOSITIONS.join(", ")}`);
      expect.dispositions[id] = d as ScenarioDisposition;
    }
  }
  if (e.deliveries !== undefined) {
    expect.deliveries = {};
    for (const [name, v] of Object.entries(obj(e.deliveries, "expect.deliveries"))) {
      const w = `expect.deliveries.${name}`;
      if (!sinks[name]) fail(w, "no sink of that name in sinks");
      const d = obj(v, w);
      known(d, w, ["accepted", "arrivals", "actions"]);
      const x: SinkExpectation = {};
      if (d.accepted !== undefined)
        x.accepted = Array.isArray(d.accepted)
          ? d.accepted.map((id, j) => str(id, `${w}.accepted[${j}]`))
          : num(d.accepted, `${w}.accepted`);
      if (d.arrivals !== undefined) x.arrivals = counts(d.arrivals, `${w}.arrivals`);
      if (d.actions !== undefined) {
        const a = counts(d.actions, `${w}.actions`);
        for (const k of Object.keys(a))
          if (!SINK_ACTIONS.includes(k as SinkAction)) fail(`${w}.actions.${k}`, "not a sink action");
        x.actions = a;
      }
      expect.deliveries[name] = x;
    }
  }
  return {
    name: raw.name === undefined ? file : str(raw.name, "name"),
    ...(engine ? { engine } : {}),
    ...(target ? { target } : {}),
    sinks,
    send,
    expect,
  };
}
