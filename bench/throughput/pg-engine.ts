/**
 * Bench only: the engine's pipeline (the same Runner `serve` runs: listeners, intake, workers,
 * connectors) on a PostgreSQL store, in a process of its own, until `serve --settings engine.toml`
 * can start it on PostgreSQL (then run.ts spawns `serve` for both stores; see bench/README.md).
 * Leaves out what does not carry messages: the API, auth and config versions. Delivery runs in a
 * thread per lane with its own pool (pg-delivery.ts), as serve's delivery threads do on SQLite.
 *
 * Run by run.ts: pg-engine.ts --config DIR --env ENV --url postgres://… --schema NAME
 * Answers IPC `{ type: "queries" }` with the statements its stores sent so far (main thread and
 * delivery threads; each one round trip).
 */
import { loadConfig } from "../../engine/src/config/loader.js";
import { silentLog } from "../../engine/src/pipeline/index.js";
import { Runner } from "../../engine/src/pipeline/runner.js";
import { codecFromEnv, openPgStore } from "../../engine/src/store/index.js";
import { pgOffloader, threadQueries } from "./pg-delivery.js";

function flag(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) throw new Error(`pg-engine: --${name} is required`);
  return v;
}

const store = await openPgStore({
  connectionString: flag("url"),
  schema: flag("schema"),
  poolSize: Number(process.env.MF_BENCH_PG_POOL ?? 8),
  codec: codecFromEnv(process.env),
});
const loaded = await loadConfig(flag("config"), { env: flag("env") });
if (loaded.hasErrors) throw new Error(`bench config has errors: ${JSON.stringify(loaded.problems)}`);
await store.recoverLeases({ all: true });
// Delivery in a thread per lane, as serve runs it on SQLite (MF_BENCH_PG_OFFLOAD=0: on this thread).
const offload =
  process.env.MF_BENCH_PG_OFFLOAD === "0"
    ? {}
    : { offload: pgOffloader({ url: flag("url"), schema: flag("schema"), store }) };
const runner = new Runner({ store, log: silentLog, ...offload });
await runner.start(loaded.registry);

process.on("message", (m: { type?: string }) => {
  if (m.type === "queries")
    void threadQueries().then((n) => process.send?.({ type: "queries", n: store.queryCount + n }));
});
process.once("SIGTERM", () => {
  void runner
    .stop()
    .then(() => store.close())
    .finally(() => process.exit(0));
});
