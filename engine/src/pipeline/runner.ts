/**
 * The registry runner: turns a loaded Registry into running parts — per inbound its listener, router
 * worker and transform worker; per outbound its connector and delivery worker — each supervised
 * (restarted with backoff on a crash), stoppable one connection at a time, and swappable as a whole
 * for a config promote (stop intake, drain in-flight work, swap, start intake; a failed swap brings
 * the previous registry back). Every message is in the store before it is ACKed, so stopping or
 * swapping never loses one: rows wait in their stage for the next worker that serves their name.
 */
import type { InboundDef, OutboundDef, Registry } from "../config/index.js";
import { type Message, validateStrict } from "../hl7/index.js";
import type { BlindIndex, Store } from "../store/index.js";
import {
  connectors as builtinConnectors,
  type ConnectorCursors,
  type ConnectorLog,
  type ConnectorRegistry,
  type InboundConnector,
  type InboundState,
  LoopbackHub,
  type OutboundConnector,
  type OutboundState,
  type ReceiveResult,
} from "../transports/index.js";
import { startDeliveryWorker } from "./delivery-worker.js";
import { createIntake, type InboundOptions, type Intake, type ValidationProblem } from "./intake.js";
import type { Latencies } from "./latency.js";
import { sendMeta } from "./send-meta.js";
import { startRouterWorker, startTransformWorker, TransformLink } from "./stage-workers.js";
import {
  type Delivery,
  runHandler,
  runHandlerNow,
  runRouter,
  type StepResult,
  toHandlerInput,
} from "./steps.js";
import { type Running, Supervised, type SupervisedState } from "./supervisor.js";
import type { DeliverFn, PipelineLog, RouteFn, TransformFn, TransformOutcome } from "./types.js";
import { describeError, type WorkerHandle } from "./worker-loop.js";

export interface RunnerOptions {
  store: Store;
  log: PipelineLog;
  /** Defaults to `createIntake(store, { log, storeWaitMs })`. */
  intake?: Intake;
  /** How long intake holds a frame while the store is unavailable, unless the inbound says (default 30 s). */
  storeWaitMs?: number;
  /** Defaults to the built-in connector registry. */
  connectors?: ConnectorRegistry;
  /** The in-process hub for loopback connections (default: one per runner). */
  loopback?: LoopbackHub;
  /** Queue worker tuning (defaults are the workers' own). */
  workers?: { batchSize?: number; pollMs?: number; callTimeoutMs?: number };
  /** Restart backoff for crashed parts. */
  restart?: { baseDelayMs?: number; maxDelayMs?: number };
  /** How often listener health is checked for a restart (default 1000 ms). */
  healthCheckMs?: number;
  /** A listener in state error this long is restarted (default 5000 ms). */
  errorGraceMs?: number;
  /**
   * Runs an outbound's delivery somewhere else (the engine uses a worker thread per lane); returning
   * undefined keeps it on this thread with the connector built here.
   */
  offload?: (def: OutboundDef) => OffloadedDelivery | undefined;
  /** Where ACK and delivery latencies are recorded (GET /metrics); none when absent. */
  latencies?: Latencies;
  /** Tokens for inbounds' `identifiers` (MEFOR_INDEX_KEY); without it they are not indexed (a warning says so). */
  blindIndex?: BlindIndex;
}

/** An outbound's delivery worker and connector running outside this thread. */
export interface OffloadedDelivery {
  /** Starts it; the Running ends when it stops or crashes (the supervisor restarts it). */
  start(): Promise<Running>;
  /** The remote connector's last reported counters. */
  readonly state: OutboundState;
}

export type ConnectionDirection = "inbound" | "outbound";

/** What the API shows per connection. */
export interface ConnectionStatus {
  name: string;
  direction: ConnectionDirection;
  transport: string;
  /** `running` (all parts up), `stopped` (by an operator), `restarting` (a part is backing off). */
  state: "running" | "stopped" | "restarting";
  /** Restarts of its parts since it was (re)started. */
  restarts: number;
  lastError?: string;
  /** The connector's own counters. */
  connector: InboundState | OutboundState;
}

export class RunnerError extends Error {
  override name = "RunnerError";
}

interface InboundRun {
  def: InboundDef;
  /** The registry this run's router and handlers come from (a swap never mixes generations). */
  registry: Registry;
  connector: InboundConnector;
  listener?: Supervised;
  router?: Supervised;
  transform?: Supervised;
  stopped: boolean;
}

interface OutboundRun {
  def: OutboundDef;
  connector: OutboundConnector;
  /** Set when delivery runs outside this thread (then `connector` only validated the settings). */
  offloaded?: OffloadedDelivery;
  delivery?: Supervised;
  stopped: boolean;
}

interface Generation {
  registry: Registry;
  inbounds: Map<string, InboundRun>;
  outbounds: Map<string, OutboundRun>;
}

export class Runner {
  readonly #store: Store;
  readonly #log: PipelineLog;
  readonly #blindIndex: BlindIndex | undefined;
  readonly #intake: Intake;
  readonly #connectors: ConnectorRegistry;
  readonly #hub: LoopbackHub;
  readonly #opts: RunnerOptions;
  #gen: Generation | undefined;
  /** Serialises start/stop/swap/connection control so they never interleave. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(opts: RunnerOptions) {
    this.#opts = opts;
    this.#store = opts.store;
    this.#log = opts.log;
    this.#blindIndex = opts.blindIndex;
    this.#intake =
      opts.intake ??
      createIntake(opts.store, {
        log: opts.log,
        ...(opts.storeWaitMs !== undefined ? { storeWaitMs: opts.storeWaitMs } : {}),
      });
    this.#connectors = opts.connectors ?? builtinConnectors;
    this.#hub = opts.loopback ?? new LoopbackHub();
  }

  /** The registry being served (undefined before `start`). */
  get registry(): Registry | undefined {
    return this.#gen?.registry;
  }

  /** Starts every connection of `registry`; on any failure stops what started and rejects. */
  start(registry: Registry): Promise<void> {
    return this.#serial(async () => {
      if (this.#gen) throw new RunnerError("runner is already started");
      this.#gen = await this.#bringUp(registry);
    });
  }

  /** Graceful stop: listeners first (in-flight messages still get their ACK), then the workers. */
  stop(): Promise<void> {
    return this.#serial(async () => {
      const gen = this.#gen;
      this.#gen = undefined;
      if (gen) await this.#bringDown(gen);
    });
  }

  /**
   * Hot swap for promote/rollback. Connectors for `next` are built first (bad settings fail before
   * anything stops); then intake stops, in-flight work drains, and `next` starts. If `next` cannot
   * start (a port in use), the previous registry is started again and the error rethrown.
   */
  swap(next: Registry): Promise<void> {
    return this.#serial(async () => {
      const prev = this.#gen;
      if (!prev) throw new RunnerError("runner is not started");
      const staged = this.#build(next); // throws on bad settings: nothing stopped yet
      const startedAt = Date.now();
      this.#gen = undefined;
      await this.#bringDown(prev);
      try {
        this.#gen = await this.#bringUp(next, staged);
        this.#log.info({ event: "swap", ms: Date.now() - startedAt }, "registry swapped");
      } catch (error) {
        this.#log.error({ event: "swap-failed", err: describeError(error) }, "swap failed; rolling back");
        this.#gen = await this.#bringUp(prev.registry);
        throw error;
      }
    });
  }

  /** Starts one stopped connection (listener + workers, or connector + delivery worker). */
  startConnection(name: string): Promise<void> {
    return this.#serial(async () => {
      const gen = this.#need();
      const ib = gen.inbounds.get(name);
      const ob = gen.outbounds.get(name);
      if (ib) {
        if (!ib.stopped) return;
        ib.connector = this.#connectors.createInbound(ib.def.transport, name, ib.def.settings, this.#deps());
        await this.#startInbound(ib);
      } else if (ob) {
        if (!ob.stopped) return;
        ob.connector = this.#connectors.createOutbound(ob.def.transport, name, ob.def.settings, this.#deps());
        await this.#startOutbound(ob);
      } else throw new RunnerError(`no connection named "${name}"`);
      this.#log.info({ event: "connection-start", connection: name }, "connection started");
    });
  }

  /**
   * Stops one connection. An inbound stops listening and its workers stop after their batch (what it
   * already accepted waits, durably, for a restart); an outbound's lane pauses and queues.
   */
  stopConnection(name: string): Promise<void> {
    return this.#serial(async () => {
      const gen = this.#need();
      const ib = gen.inbounds.get(name);
      const ob = gen.outbounds.get(name);
      if (ib) await this.#stopInbound(ib);
      else if (ob) await this.#stopOutbound(ob);
      else throw new RunnerError(`no connection named "${name}"`);
      this.#log.info({ event: "connection-stop", connection: name }, "connection stopped");
    });
  }

  /** Whether `name` is a connection of the running registry. */
  has(name: string): boolean {
    return !!this.#gen && (this.#gen.inbounds.has(name) || this.#gen.outbounds.has(name));
  }

  connections(): ConnectionStatus[] {
    const gen = this.#gen;
    if (!gen) return [];
    const out: ConnectionStatus[] = [];
    for (const r of gen.inbounds.values()) {
      out.push(
        status(r.def.name, "inbound", r.def.transport, r.stopped, r.connector.state, [
          r.listener,
          r.router,
          r.transform,
        ]),
      );
    }
    for (const r of gen.outbounds.values()) {
      const state = r.offloaded?.state ?? r.connector.state;
      out.push(status(r.def.name, "outbound", r.def.transport, r.stopped, state, [r.delivery]));
    }
    return out;
  }

  // ---- building and tearing down ----------------------------------------------------------------

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#queue.then(fn, fn);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  #need(): Generation {
    if (!this.#gen) throw new RunnerError("runner is not started");
    return this.#gen;
  }

  #deps(): { log: ConnectorLog; loopback: LoopbackHub; cursors: ConnectorCursors } {
    const store = this.#store;
    const cursors: ConnectorCursors = {
      get: (conn) => store.getCursor(conn),
      set: (conn, value) => store.setCursor(conn, value),
    };
    return { log: this.#log, loopback: this.#hub, cursors };
  }

  /** Creates (does not start) every connector; throws a clear error on bad settings. */
  #build(registry: Registry): Generation {
    const gen: Generation = { registry, inbounds: new Map(), outbounds: new Map() };
    for (const def of registry.inbounds.values()) {
      const connector = this.#connectors.createInbound(def.transport, def.name, def.settings, this.#deps());
      gen.inbounds.set(def.name, { def, registry, connector, stopped: true });
    }
    for (const def of registry.outbounds.values()) {
      const connector = this.#connectors.createOutbound(def.transport, def.name, def.settings, this.#deps());
      gen.outbounds.set(def.name, { def, connector, stopped: true });
    }
    return gen;
  }

  async #bringUp(registry: Registry, built?: Generation): Promise<Generation> {
    const gen = built ?? this.#build(registry);
    try {
      // Destinations and workers first, so the first message accepted finds its whole path running.
      for (const ob of gen.outbounds.values()) await this.#startOutbound(ob);
      for (const ib of gen.inbounds.values()) await this.#startInbound(ib);
    } catch (error) {
      await this.#bringDown(gen);
      throw error;
    }
    this.#log.info(
      { event: "start", inbounds: gen.inbounds.size, outbounds: gen.outbounds.size },
      "registry running",
    );
    return gen;
  }

  async #bringDown(gen: Generation): Promise<void> {
    // Intake first: in-flight messages are committed and ACKed before the listener closes.
    await Promise.all([...gen.inbounds.values()].map((r) => this.#stopListener(r)));
    await Promise.all([...gen.inbounds.values()].map((r) => this.#stopInbound(r)));
    await Promise.all([...gen.outbounds.values()].map((r) => this.#stopOutbound(r)));
    this.#log.info({ event: "stop" }, "registry stopped");
  }

  // ---- inbound ----------------------------------------------------------------------------------

  async #startInbound(run: InboundRun): Promise<void> {
    const { def } = run;
    const opts = this.#supervisorOpts();
    const w = this.#opts.workers ?? {};
    // One link per start: the router runs synchronous handlers' transforms in its own step while
    // this inbound's transform worker holds nothing of theirs.
    const workerOpts = { store: this.#store, log: this.#log, ...w, link: new TransformLink() };
    run.stopped = false;
    try {
      run.router = await Supervised.start(
        `router:${def.name}`,
        async () => wrapWorker(startRouterWorker(def.name, this.#routeFn(run), workerOpts)),
        opts,
      );
      run.transform = await Supervised.start(
        `transform:${def.name}`,
        async () => wrapWorker(startTransformWorker(def.name, this.#transformFn(run), workerOpts)),
        opts,
      );
      let first = true;
      run.listener = await Supervised.start(
        `listener:${def.name}`,
        async () => {
          // A restart needs a fresh connector: a crashed one may hold half-closed sockets.
          if (!first) {
            run.connector = this.#connectors.createInbound(
              def.transport,
              def.name,
              def.settings,
              this.#deps(),
            );
          }
          first = false;
          return this.#listen(run);
        },
        opts,
      );
    } catch (error) {
      await this.#stopInbound(run);
      throw new RunnerError(`inbound ${def.name} could not start: ${describeError(error)}`);
    }
  }

  async #listen(run: InboundRun): Promise<Running> {
    const connector = run.connector;
    const name = run.def.name;
    const intakeOpts = inboundOptions(run.def, this.#blindIndex);
    if (run.def.options.identifiers?.length && !this.#blindIndex)
      this.#log.warn(
        { event: "identifiers-not-indexed", connection: name },
        "identifiers are configured but MEFOR_INDEX_KEY is not set: this inbound's messages are not indexed",
      );
    await connector.start({
      name,
      log: this.#log,
      receive: async (payload): Promise<ReceiveResult> => {
        const commit = () => this.#intake.receive(name, payload, intakeOpts);
        const latencies = this.#opts.latencies;
        const r = await (latencies ? latencies.timed("ack", name, commit) : commit());
        return { accepted: r.accepted, ...(r.reply ? { reply: r.reply } : {}) };
      },
      // An oversized frame is recorded as ERROR and answered with an AR NAK (count and log).
      reject: async (reason) => {
        const r = await this.#intake.dropped(name, reason, intakeOpts);
        return r.reply ? { reply: r.reply } : {};
      },
      lastReceivedAt: async () =>
        (await this.#store.listMessages({ inbound: name, limit: 1 }))[0]?.receivedAt,
    });
    this.#log.info({ event: "listen", connection: name, transport: run.def.transport }, "inbound started");
    // Listeners have no completion event; a periodic look at their state catches a failed one. A
    // connector that recovers by itself (a file poll that failed once) is left alone: only an error
    // that persists for `errorGraceMs` gets the listener restarted.
    let resolveDone: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    const checkMs = this.#opts.healthCheckMs ?? 1000;
    const graceChecks = Math.max(1, Math.ceil((this.#opts.errorGraceMs ?? 5000) / checkMs));
    let errorChecks = 0;
    const timer = setInterval(() => {
      errorChecks = connector.state.status === "error" ? errorChecks + 1 : 0;
      if (errorChecks >= graceChecks) {
        errorChecks = 0;
        run.listener?.fail(new Error(connector.state.lastError ?? "listener failed"));
      }
    }, checkMs);
    timer.unref();
    return {
      done,
      stop: async () => {
        clearInterval(timer);
        try {
          await connector.stop();
        } finally {
          resolveDone();
        }
      },
    };
  }

  async #stopListener(run: InboundRun): Promise<void> {
    const l = run.listener;
    run.listener = undefined;
    await l?.stop();
  }

  async #stopInbound(run: InboundRun): Promise<void> {
    run.stopped = true;
    await this.#stopListener(run);
    const parts = [run.router, run.transform];
    run.router = undefined;
    run.transform = undefined;
    await Promise.all(parts.map((p) => p?.stop()));
  }

  #routeFn(run: InboundRun): RouteFn {
    const registry = run.registry;
    return async (inbound, env, fuse) => {
      const input = toHandlerInput(env.contentType, env.body);
      if (!input.ok) return { error: input.error.message };
      const r = await runRouter(registry, inbound, input.message);
      if (!r.ok) return { error: r.error.message };
      if (!fuse) return { handlers: r.handlers };
      // Synchronous handlers the transform worker holds nothing for run now, on the message parsed once.
      // The map only once a handler ran here: most messages of a busy engine would allocate it for nothing.
      let transformed: Map<string, TransformOutcome> | undefined;
      for (const handler of r.handlers) {
        if (!fuse(handler)) continue;
        const out = runHandlerNow(registry, handler, input.message);
        if (!out) continue;
        transformed = transformed ?? new Map();
        transformed.set(handler, transformOutcome(out));
      }
      return transformed ? { handlers: r.handlers, transformed } : { handlers: r.handlers };
    };
  }

  #transformFn(run: InboundRun): TransformFn {
    const registry = run.registry;
    return async (handler, env) => {
      const input = toHandlerInput(env.contentType, env.body);
      if (!input.ok) return { error: input.error.message };
      return transformOutcome(await runHandler(registry, handler, input.message));
    };
  }

  // ---- outbound ---------------------------------------------------------------------------------

  async #startOutbound(run: OutboundRun): Promise<void> {
    const { def } = run;
    run.stopped = false;
    const w = this.#opts.workers ?? {};
    const send: DeliverFn = (_name, payload, meta) => run.connector.send(payload, sendMeta(payload, meta));
    const latencies = this.#opts.latencies;
    const deliver: DeliverFn = latencies
      ? (n, payload, meta) => latencies.timed("delivery", def.name, () => send(n, payload, meta))
      : send;
    run.offloaded = this.#opts.offload?.(def);
    const offloaded = run.offloaded;
    try {
      if (offloaded) {
        run.delivery = await Supervised.start(
          `delivery:${def.name}`,
          () => offloaded.start(),
          this.#supervisorOpts(),
        );
        return;
      }
      run.delivery = await Supervised.start(
        `delivery:${def.name}`,
        async () =>
          wrapWorker(
            startDeliveryWorker(def.name, deliver, {
              store: this.#store,
              log: this.#log,
              retry: def.options.retry,
              ordered: def.options.ordering !== "unordered",
              ...(w.batchSize !== undefined ? { batchSize: w.batchSize } : {}),
              ...(w.pollMs !== undefined ? { pollMs: w.pollMs } : {}),
            }),
          ),
        this.#supervisorOpts(),
      );
    } catch (error) {
      await this.#stopOutbound(run);
      throw new RunnerError(`outbound ${def.name} could not start: ${describeError(error)}`);
    }
  }

  async #stopOutbound(run: OutboundRun): Promise<void> {
    run.stopped = true;
    const d = run.delivery;
    run.delivery = undefined;
    await d?.stop(); // finishes the in-flight send, records it, releases the rest of its batch
    if (!run.offloaded) await run.connector.close();
  }

  #supervisorOpts() {
    return { log: this.#log, ...(this.#opts.restart ?? {}) };
  }
}

function wrapWorker(w: WorkerHandle): Running {
  return { done: w.done, stop: () => w.stop() };
}

function status(
  name: string,
  direction: ConnectionDirection,
  transport: string,
  stopped: boolean,
  connector: InboundState | OutboundState,
  parts: (Supervised | undefined)[],
): ConnectionStatus {
  const live = parts.filter((p): p is Supervised => p !== undefined);
  const restarting = live.some((p: Supervised) => p.state === ("restarting" satisfies SupervisedState));
  const lastError = live.map((p) => p.lastError).find((e) => e !== undefined);
  return {
    name,
    direction,
    transport,
    state: stopped ? "stopped" : restarting ? "restarting" : "running",
    restarts: live.reduce((n, p) => n + p.restarts, 0),
    ...(lastError !== undefined ? { lastError } : {}),
    connector,
  };
}

/** A field's value for the blind index; a path the loader let through but HL7 refuses indexes nothing. */
function fieldOf(m: Message, path: string): string | undefined {
  try {
    return m.get(path);
  } catch {
    return undefined;
  }
}

/** The intake options an inbound's definition asks for (content type, ACK mode, strict validation). */
export function inboundOptions(def: InboundDef, index?: BlindIndex): InboundOptions {
  const o = def.options;
  const opts: InboundOptions = { contentType: o.contentType, ack: o.ack };
  if (o.storeWaitMs !== undefined) opts.storeWaitMs = o.storeWaitMs;
  const fields = o.identifiers ?? [];
  if (index && fields.length > 0)
    opts.identify = (m: Message) => index.tokens(fields.map((f) => fieldOf(m, f)));
  if (o.duplicates)
    opts.dedupe = { windowMs: o.duplicates.windowMinutes * 60_000, reject: o.duplicates.action === "reject" };
  if (o.strict) {
    const version = o.hl7Version;
    opts.validate = (m: Message): ValidationProblem[] =>
      validateStrict(m, version ? { version } : {}).map((i) => ({
        message: i.message,
        location: i.path,
        severity: i.severity,
      }));
  }
  return opts;
}

function transformOutcome(r: StepResult<{ sends: Delivery[] }>): TransformOutcome {
  if (!r.ok) return { error: r.error.message };
  return {
    sends: r.sends.map((s) => ({
      outbound: s.outbound,
      payload: typeof s.payload === "string" ? Buffer.from(s.payload, "utf8") : s.payload,
    })),
  };
}
