/**
 * The timer connector in real time with short intervals: counts are asserted with generous bounds,
 * never durations (the machine may be slow).
 */
import assert from "node:assert/strict";
import { readTimerInbound, renderTick, TimerInbound } from "../../src/transports/index.js";
import type { ReceiveResult } from "../../src/transports/types.js";
import { captureLog, context, until } from "./helpers.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("timer connector", function () {
  this.timeout(30_000);

  it("produces a message each tick with the default JSON payload", async () => {
    const got: { payload: string; contentType?: string }[] = [];
    const timer = new TimerInbound("IB_TICK", readTimerInbound("IB_TICK", { intervalMs: 50 }), captureLog());
    await timer.start(
      context(async (payload, meta): Promise<ReceiveResult> => {
        got.push({
          payload: payload.toString(),
          ...(meta.contentType ? { contentType: meta.contentType } : {}),
        });
        return { accepted: true };
      }),
    );
    await until(() => got.length >= 4);
    await timer.stop();
    const n = got.length;
    await sleep(200);
    assert.equal(got.length, n, "no tick after stop");
    const ticks = got.map(
      (g) => JSON.parse(g.payload) as { timer: string; tick: string; scheduled: string; seq: number },
    );
    assert.deepEqual(
      ticks.map((t) => t.seq),
      ticks.map((_, i) => i + 1),
    );
    assert.equal(ticks[0]?.timer, "IB_TICK");
    assert.ok(Date.parse(ticks[0]?.tick ?? "") >= Date.parse(ticks[0]?.scheduled ?? ""));
    assert.equal(got[0]?.contentType, "application/json");
    assert.equal(timer.state.messages, n);
  });

  it("skips (and counts) a tick while the previous tick's receive has not resolved", async () => {
    let release: (() => void) | undefined;
    let calls = 0;
    const timer = new TimerInbound("IB_SLOW", readTimerInbound("IB_SLOW", { intervalMs: 30 }), captureLog());
    await timer.start(
      context(async (): Promise<ReceiveResult> => {
        calls++;
        if (calls === 1) await new Promise<void>((r) => (release = r));
        return { accepted: true };
      }),
    );
    await until(() => (timer.state.skipped ?? 0) >= 3);
    assert.equal(calls, 1, "no overlapping receive");
    release?.();
    await until(() => calls >= 2);
    await timer.stop();
  });

  it("cron with a timezone: ticks every second", async () => {
    let n = 0;
    const timer = new TimerInbound(
      "IB_CRON",
      readTimerInbound("IB_CRON", { cron: "* * * * * *", timezone: "Europe/Berlin" }),
      captureLog(),
    );
    await timer.start(
      context(async (): Promise<ReceiveResult> => {
        n++;
        return { accepted: true };
      }),
    );
    await until(() => n >= 2, 50);
    await timer.stop();
  });

  it("fires once at start only when asked to and a tick fell due since the last committed one", async () => {
    const fired = async (settings: Record<string, unknown>, last: number | undefined): Promise<number> => {
      let n = 0;
      const timer = new TimerInbound("IB_M", readTimerInbound("IB_M", settings), captureLog());
      const ctx = context(async (): Promise<ReceiveResult> => {
        n++;
        return { accepted: true };
      });
      await timer.start({ ...ctx, lastReceivedAt: async () => last });
      const atStart = n;
      await timer.stop();
      return atStart;
    };
    const hourly = { cron: "0 * * * *", fireOnStartIfMissed: true };
    assert.equal(await fired(hourly, Date.now() - 2 * 3600_000), 1, "missed: fires once");
    assert.equal(
      await fired({ ...hourly, fireOnStartIfMissed: false }, Date.now() - 2 * 3600_000),
      0,
      "not asked",
    );
    assert.equal(await fired(hourly, undefined), 0, "never ticked before: nothing missed");
    const interval = { intervalMs: 60_000, fireOnStartIfMissed: true };
    assert.equal(await fired(interval, Date.now() - 120_000), 1);
    assert.equal(await fired(interval, Date.now() - 1_000), 0, "the last tick is recent: nothing missed");
  });

  it("a payload template fills {tick}, {scheduled}, {seq}, {name} and leaves JSON braces alone", () => {
    const at = new Date("2026-01-02T03:04:05.000Z");
    assert.equal(
      renderTick('{"job":"{name}","at":"{tick}","n":{seq},"x":{"y":1}}', {
        tick: at,
        scheduled: at,
        seq: 7,
        name: "IB_X",
      }),
      '{"job":"IB_X","at":"2026-01-02T03:04:05.000Z","n":7,"x":{"y":1}}',
    );
  });

  it("refuses bad settings with the setting named", () => {
    assert.throws(
      () => readTimerInbound("IB_T", {}),
      /setting 'cron': set exactly one of cron or intervalMs/,
    );
    assert.throws(
      () => readTimerInbound("IB_T", { cron: "* * * * *", intervalMs: 100 }),
      /set exactly one of cron or intervalMs/,
    );
    assert.throws(() => readTimerInbound("IB_T", { cron: "61 * * * *" }), /setting 'cron':/);
    assert.throws(
      () => readTimerInbound("IB_T", { cron: "* * * * *", timezone: "Mars/Base" }),
      /setting 'timezone'/,
    );
    assert.throws(() => readTimerInbound("IB_T", { intervalMs: 5 }), /setting 'intervalMs': must be >= 10/);
  });
});
