/**
 * `GET /metrics` in the Prometheus text exposition format (version 0.0.4): per-connection message
 * counts and state, queue depths (and the oldest open row's age where the store reports it), ACK and
 * delivery latency histograms, and failing connections by error class. Pure: the route gathers the
 * numbers, this writes them. Labels carry connection names, stages and error classes only — never
 * message content or error text.
 */
import { LATENCY_BUCKETS_MS, type LatencySeries } from "../pipeline/latency.js";
import type { ConnectionCounts, ConnectionStatus, EngineStats } from "./services.js";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface MetricsInput {
  stats: EngineStats;
  connections: ConnectionStatus[];
  latencies: LatencySeries[];
  /** Engine start (epoch ms), for the uptime gauge. */
  startedAt?: number;
}

type Labels = Record<string, string>;

/** A label value escaped as the format asks: backslash, double quote and newline. */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function sample(name: string, labels: Labels, value: number): string {
  const l = Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(",");
  const n = Number.isFinite(value) ? String(value) : value > 0 ? "+Inf" : value < 0 ? "-Inf" : "NaN";
  return `${name}${l ? `{${l}}` : ""} ${n}`;
}

class Exposition {
  readonly #lines: string[] = [];

  family(name: string, type: "counter" | "gauge" | "histogram", help: string, samples: string[]): void {
    this.#lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
  }

  text(): string {
    return `${this.#lines.join("\n")}\n`;
  }
}

const COUNT_HELP: Readonly<Record<keyof ConnectionCounts, string>> = {
  received: "Messages received by an inbound connection.",
  processed: "Messages routed and transformed for the connection.",
  errored: "Messages that ended in error at the connection.",
  filtered: "Messages a filter dropped.",
  unrouted: "Messages no route took.",
  delivered: "Messages delivered by an outbound connection.",
  failed: "Deliveries that failed for good (dead letters).",
  duplicates: "Repeats of an accepted message recorded as DUPLICATE (duplicate detection).",
};

const STATES = ["running", "stopped", "starting", "stopping", "error", "removed"] as const;

export function renderMetrics(input: MetricsInput, now: number = Date.now()): string {
  const out = new Exposition();
  const { stats, connections, latencies } = input;

  for (const key of Object.keys(COUNT_HELP) as (keyof ConnectionCounts)[])
    out.family(
      `messagefoundry_messages_${key}_total`,
      "counter",
      COUNT_HELP[key],
      stats.connections.map((c) =>
        sample(`messagefoundry_messages_${key}_total`, { connection: c.name }, c.counts[key]),
      ),
    );

  out.family(
    "messagefoundry_connection_state",
    "gauge",
    "1 for the connection's current state (running, stopped, starting, stopping, error, removed).",
    connections.flatMap((c) =>
      STATES.map((state) =>
        sample(
          "messagefoundry_connection_state",
          { connection: c.name, direction: c.direction, transport: c.transport, state },
          c.state === state ? 1 : 0,
        ),
      ),
    ),
  );
  out.family(
    "messagefoundry_connection_failing",
    "gauge",
    "1 while the connection is failing, labelled with the error's class (never its text).",
    connections
      .filter((c) => c.errorClass)
      .map((c) =>
        sample(
          "messagefoundry_connection_failing",
          { connection: c.name, error_class: c.errorClass ?? "" },
          1,
        ),
      ),
  );
  out.family(
    "messagefoundry_connection_last_activity_seconds",
    "gauge",
    "Unix time of the last message touching the connection.",
    stats.connections
      .filter((c) => c.lastActivity !== null)
      .map((c) =>
        sample(
          "messagefoundry_connection_last_activity_seconds",
          { connection: c.name },
          (c.lastActivity ?? 0) / 1000,
        ),
      ),
  );

  for (const [field, help] of [
    ["pending", "Open rows no worker has taken yet."],
    ["claimed", "Open rows a worker holds or has reserved (an outbound lane's backlog counts here)."],
  ] as const)
    out.family(
      `messagefoundry_queue_${field}`,
      "gauge",
      help,
      stats.depth.map((d) =>
        sample(`messagefoundry_queue_${field}`, { stage: d.stage, connection: d.connection }, d[field]),
      ),
    );
  out.family(
    "messagefoundry_queue_oldest_age_seconds",
    "gauge",
    "Age of the oldest open row per stage and connection (where the store reports it).",
    stats.depth
      .filter((d) => typeof d.oldestAt === "number")
      .map((d) =>
        sample(
          "messagefoundry_queue_oldest_age_seconds",
          { stage: d.stage, connection: d.connection },
          Math.max(0, (now - (d.oldestAt ?? now)) / 1000),
        ),
      ),
  );

  for (const [kind, help] of [
    ["ack", "Inbound: from a message received to it being committed (when its ACK can go out)."],
    ["delivery", "Outbound: one send to the destination, its reply (ACK) included."],
  ] as const) {
    const name = `messagefoundry_${kind}_latency_seconds`;
    out.family(
      name,
      "histogram",
      help,
      latencies
        .filter((s) => s.kind === kind)
        .flatMap((s) => {
          const labels = { connection: s.connection };
          let cumulative = 0;
          const buckets = LATENCY_BUCKETS_MS.map((bound, i) => {
            cumulative += s.histogram.counts[i] ?? 0;
            return sample(`${name}_bucket`, { ...labels, le: String(bound / 1000) }, cumulative);
          });
          return [
            ...buckets,
            sample(`${name}_bucket`, { ...labels, le: "+Inf" }, s.histogram.count),
            sample(`${name}_sum`, labels, s.histogram.sumMs / 1000),
            sample(`${name}_count`, labels, s.histogram.count),
          ];
        }),
    );
  }

  if (input.startedAt !== undefined)
    out.family("messagefoundry_start_time_seconds", "gauge", "Unix time the engine started.", [
      sample("messagefoundry_start_time_seconds", {}, input.startedAt / 1000),
    ]);
  return out.text();
}
