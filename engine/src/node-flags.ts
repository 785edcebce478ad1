/**
 * The Node.js flags the engine is started with wherever this project starts it (`npm start`, the
 * systemd example, VS Code's local engine, the benchmarks; a test keeps them in step). V8 sizes the
 * main thread's heap when the process starts, so this cannot be set from inside the engine.
 *
 * `--max-semi-space-size=8`: the young generation at 2 × 8 MB instead of V8's 2 × 16 MB. The engine's
 * garbage is short-lived (frames, rows, ACKs); smaller semi-spaces are scavenged more often but each
 * scavenge copies less: at 64 senders 8–11 % more msg/s and 9 % less CPU per message (three
 * alternating pairs, docs/PERFORMANCE.md). Delivery threads get the same effect from their
 * `resourceLimits` (runtime/delivery-threads.ts).
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=8"];
