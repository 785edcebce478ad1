/** Live counters behind each connector's `state`; snapshots are copies so callers cannot mutate them. */
import type { InboundState, InboundStatus, OutboundState, OutboundStatus } from "./types.js";

export class InboundStats {
  private s: InboundState & { refusedConnections: number } = {
    status: "stopped",
    connections: 0,
    totalConnections: 0,
    refusedConnections: 0,
    bytesIn: 0,
    bytesOut: 0,
    messages: 0,
  };

  set status(status: InboundStatus) {
    this.s.status = status;
  }
  set port(port: number | undefined) {
    this.s.port = port;
  }
  opened(): void {
    this.s.connections++;
    this.s.totalConnections++;
    this.touch();
  }
  closed(): void {
    this.s.connections--;
  }
  refused(): void {
    this.s.refusedConnections++;
  }
  bytesIn(n: number): void {
    this.s.bytesIn += n;
    this.touch();
  }
  bytesOut(n: number): void {
    this.s.bytesOut += n;
  }
  message(): void {
    this.s.messages++;
    this.touch();
  }
  error(text: string): void {
    this.s.lastError = text;
  }
  private touch(): void {
    this.s.lastActivity = Date.now();
  }
  snapshot(): InboundState {
    return { ...this.s };
  }
}

export class OutboundStats {
  private s: OutboundState = { status: "idle", sent: 0, failed: 0, bytesOut: 0, bytesIn: 0 };

  set status(status: OutboundStatus) {
    this.s.status = status;
  }
  get status(): OutboundStatus {
    return this.s.status;
  }
  bytesOut(n: number): void {
    this.s.bytesOut += n;
    this.s.lastActivity = Date.now();
  }
  bytesIn(n: number): void {
    this.s.bytesIn += n;
    this.s.lastActivity = Date.now();
  }
  result(ok: boolean, error?: string): void {
    if (ok) this.s.sent++;
    else this.s.failed++;
    if (error) this.s.lastError = error;
  }
  snapshot(): OutboundState {
    return { ...this.s };
  }
}
