/** The supervisor restarts a part that ends by itself, with backoff, and never after stop(). */
import assert from "node:assert/strict";
import { silentLog } from "../../src/pipeline/index.js";
import { type Running, Supervised } from "../../src/pipeline/supervisor.js";
import { until } from "./helpers.js";

function part(): { starts: number; crash(): void; make(): Promise<Running> } {
  let end: () => void = () => {};
  const p = {
    starts: 0,
    crash: () => end(),
    make: async (): Promise<Running> => {
      p.starts++;
      const done = new Promise<void>((r) => {
        end = r;
      });
      return { done, stop: async () => end() };
    },
  };
  return p;
}

describe("runtime: supervisor", () => {
  it("restarts a crashed part and reports the restarts", async () => {
    const p = part();
    const s = await Supervised.start("test", p.make, { log: silentLog, baseDelayMs: 5 });
    assert.equal(s.state, "running");
    p.crash();
    await until(() => p.starts === 2 && s.state === "running");
    p.crash();
    await until(() => p.starts === 3 && s.state === "running");
    assert.equal(s.restarts, 2);
    assert.match(s.lastError ?? "", /ended unexpectedly/);
    await s.stop();
    assert.equal(s.state, "stopped");
  });

  it("does not retry a failing first start, and does not restart after stop", async () => {
    await assert.rejects(
      Supervised.start("bad", async () => Promise.reject(new Error("port in use")), { log: silentLog }),
      /port in use/,
    );
    const p = part();
    const s = await Supervised.start("test", p.make, { log: silentLog, baseDelayMs: 5 });
    await s.stop();
    p.crash();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(p.starts, 1);
  });

  it("restarts a part reported failed from outside", async () => {
    const p = part();
    const s = await Supervised.start("test", p.make, { log: silentLog, baseDelayMs: 5 });
    s.fail(new Error("listener error"));
    await until(() => p.starts === 2 && s.state === "running");
    assert.match(s.lastError ?? "", /listener error/);
    await s.stop();
  });
});
