/**
 * The SMTP test service: the fresh-machine path (`provide`: Debian's python3-aiosmtpd) works, and the
 * server it runs accepts mail into its directory, answers 451 / 550 on demand and comes back on the
 * same port after a stop — spoken to with a plain SMTP dialogue over a socket.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { aptUnavailable, smtpService, startSmtpServer } from "../src/index.js";

/** One SMTP exchange: each command's reply code, in order (the greeting first). */
async function dialogue(port: number, commands: string[]): Promise<number[]> {
  const socket = net.connect({ host: "127.0.0.1", port });
  const codes: number[] = [];
  let buffered = "";
  let wake: (() => void) | undefined;
  let failed: Error | undefined;
  socket.on("data", (c: Buffer) => {
    buffered += c.toString();
    wake?.();
  });
  socket.on("error", (err) => {
    failed = err;
    wake?.();
  });
  const reply = async (): Promise<number> => {
    // A reply ends with a line "NNN text" (no dash after the code).
    for (;;) {
      if (failed) throw failed;
      const m = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(buffered);
      if (m) {
        buffered = buffered.slice(m.index + m[0].length);
        return Number(m[1]);
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  };
  codes.push(await reply());
  for (const command of commands) {
    socket.write(`${command}\r\n`);
    codes.push(await reply());
  }
  socket.destroy();
  return codes;
}

const mail = (to: string) => [
  "EHLO test.example",
  "MAIL FROM:<a@example.org>",
  `RCPT TO:<${to}>`,
  "DATA",
  "Subject: hello\r\n\r\nsynthetic body\r\n.",
  "QUIT",
];

describe("test services: SMTP (aiosmtpd)", () => {
  it("provides aiosmtpd (Debian package) and runs a server that stores mail, fails on demand and restarts", async function () {
    this.timeout(300_000);
    const why = aptUnavailable();
    const found = why === undefined ? await smtpService.provide() : await smtpService.find();
    assert.ok(found, `no aiosmtpd and apt cannot install it: ${why}`);
    const server = await startSmtpServer(found.value);
    try {
      assert.deepEqual(
        await dialogue(server.port, mail("ward@example.org")),
        [220, 250, 250, 250, 354, 250, 221],
      );
      assert.deepEqual(
        server.mails().map((m) => [m.mailFrom, m.rcptTos, m.tls, /synthetic body/.test(m.data)]),
        [["a@example.org", ["ward@example.org"], false, true]],
      );
      assert.deepEqual((await dialogue(server.port, mail("tempfail@example.org"))).slice(3, 4), [451]);
      assert.deepEqual((await dialogue(server.port, mail("reject@example.org"))).slice(3, 4), [550]);
      await server.stop();
      await assert.rejects(dialogue(server.port, ["QUIT"]), "the port is closed while stopped");
      await server.start();
      assert.deepEqual((await dialogue(server.port, mail("ward@example.org"))).at(-2), 250);
      assert.equal(server.mails().length, 2);
    } finally {
      await server.close();
    }
  });
});
