/**
 * DICOM C-STORE SCP (and C-ECHO) over node:net. Each association is checked at A-ASSOCIATE-RQ: the
 * called AE title must be one of ours, the calling one allowed, and only configured SOP classes (plus
 * Verification) get an accepted presentation context. Each C-STORE's dataset is collected PDV by PDV
 * up to `maxBytes`, wrapped as a Part-10 file (the dataset bytes exactly as received) and handed to
 * `receive`; the C-STORE-RSP says Success only after `receive` resolved accepted (after the commit).
 * One instance is one message; an association holds at most one instance in memory at a time.
 */
import net from "node:net";
import { DicomSession } from "./dicom-session.js";
import type { DicomInboundSettings } from "./dicom-settings.js";
import { bindListener, ListenerGuard } from "./listener-guard.js";
import { InboundStats } from "./stats.js";
import type { InboundConnector, InboundContext, InboundState } from "./types.js";

export class DicomInbound implements InboundConnector {
  readonly type = "dicom";
  private readonly stats = new InboundStats();
  private server: net.Server | undefined;
  private readonly sessions = new Set<DicomSession>();
  private stopping = false;

  constructor(
    readonly name: string,
    private readonly settings: DicomInboundSettings,
  ) {}

  get state(): InboundState {
    return this.stats.snapshot();
  }

  async start(ctx: InboundContext): Promise<void> {
    if (this.server) throw new Error(`dicom inbound ${this.name} is already started`);
    this.stopping = false;
    const s = this.settings;
    const server = net.createServer((socket) => {
      if (socket.destroyed) return; // refused by the guard
      if (this.stopping) {
        socket.destroy();
        return;
      }
      const session = new DicomSession(this.name, socket, s, ctx, this.stats);
      this.sessions.add(session);
      this.stats.opened();
      socket.on("close", () => {
        this.sessions.delete(session);
        this.stats.closed();
      });
    });
    new ListenerGuard(this.name, s, this.stats, ctx.log).attach(server);
    await bindListener(server, s, this.stats, ctx.log, this);
    this.server = server;
    const port = (server.address() as net.AddressInfo).port;
    this.stats.port = port;
    this.stats.status = "listening";
    ctx.log.info(
      { connection: this.name, transport: this.type, host: s.host, port, aeTitles: s.aeTitles },
      "inbound listening",
    );
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.stopping = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Each association finishes the instance it is committing, then is aborted (the SCU resends the rest).
    await Promise.race([
      Promise.all([...this.sessions].map((s) => s.stop())),
      new Promise((r) => setTimeout(r, this.settings.stopGraceMs)),
    ]);
    for (const s of this.sessions) s.destroy();
    await closed;
    this.server = undefined;
    this.stats.status = "stopped";
    this.stats.port = undefined;
  }
}
