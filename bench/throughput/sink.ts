/**
 * The benchmark's downstream system, in a worker thread of its own: an MLLP listener that ACKs each
 * frame (a fixed AA) and reports arrivals (control id, absolute time) to the main thread in batches.
 * A real destination does not share an event loop with the systems sending to the engine; here the
 * senders' traffic would otherwise delay every ACK of the engine's one-at-a-time MLLP lane.
 */
import net from "node:net";
import { parentPort } from "node:worker_threads";
import { encodeMllp, MllpDecoder } from "messagefoundry/hl7";

/** MSH-10 straight from the frame (the sink must stay cheap: it shares the cores). */
function controlId(frame: Buffer): string {
  const line = frame.toString("latin1", 0, Math.min(frame.length, 300));
  return line.split("|")[9] ?? "";
}

const port = parentPort;
if (port) {
  let ids: string[] = [];
  let times: number[] = [];
  const flush = () => {
    if (ids.length === 0) return;
    port.postMessage({ type: "arrivals", ids, times });
    ids = [];
    times = [];
  };
  setInterval(flush, 5).unref();
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    s.on("error", () => {});
    const dec = new MllpDecoder();
    s.on("data", (c: Buffer) => {
      const now = performance.timeOrigin + performance.now();
      for (const f of dec.push(c)) {
        const id = controlId(f);
        ids.push(id);
        times.push(now);
        s.write(
          encodeMllp(`MSH|^~\\&|SINK|FAC|BENCH|FAC|20260101120000||ACK^A01^ACK|A${id}|P|2.5.1\rMSA|AA|${id}`),
        );
      }
    });
  });
  server.listen(0, "127.0.0.1", () => {
    port.postMessage({ type: "listening", port: (server.address() as net.AddressInfo).port });
  });
  port.on("message", (m: { type: "close" }) => {
    if (m.type === "close") {
      flush();
      server.close();
      port.close();
    }
  });
}
