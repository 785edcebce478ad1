/** The pieces of a support bundle: the engine's bounded log ring and the settings redaction. */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { pino } from "pino";
import { REDACTED, redactSecrets } from "../../src/cli/redact.js";
import { LogRing } from "../../src/log-ring.js";

describe("log ring", () => {
  it("keeps the newest lines in order as a pino destination, counts what it dropped, caps long lines", () => {
    const ring = new LogRing(3, 50);
    const log = pino({ base: null, timestamp: false }, ring);
    for (let i = 1; i <= 5; i++) log.info({ event: "tick", i }, "tick");
    log.warn({ event: "long", pad: "x".repeat(100) }, "long");
    const s = ring.snapshot();
    assert.equal(s.capacity, 3);
    assert.equal(s.dropped, 3);
    assert.deepEqual(
      s.lines.slice(0, 2).map((l) => JSON.parse(l).i),
      [4, 5],
    );
    assert.match(s.lines[2] as string, /…\[truncated\]$/);
    assert.ok((s.lines[2] as string).length < 80);
  });

  it("is empty at start and refuses a zero capacity", () => {
    assert.deepEqual(new LogRing(2).snapshot(), { lines: [], dropped: 0, capacity: 2 });
    assert.throws(() => new LogRing(0), RangeError);
  });
});

describe("settings redaction", () => {
  it("masks secret-named values and URL passwords, keeps the rest", () => {
    const out = redactSecrets({
      store: {
        backend: "postgres",
        pg: {
          host: "db",
          password: "hunter2",
          connectionString: "postgres://mf:s3cret@db:5432/engine",
          schema: "mf",
        },
      },
      api: { port: 8765, tlsKey: "/etc/mf/key.pem", allowedHosts: ["a.example"], apiToken: "t0k" },
    });
    assert.deepEqual(out, {
      store: {
        backend: "postgres",
        pg: {
          host: "db",
          password: REDACTED,
          connectionString: "postgres://mf:***@db:5432/engine",
          schema: "mf",
        },
      },
      api: { port: 8765, tlsKey: "/etc/mf/key.pem", allowedHosts: ["a.example"], apiToken: REDACTED },
    });
    assert.ok(!JSON.stringify(out).includes("hunter2") && !JSON.stringify(out).includes("s3cret"));
  });
});
