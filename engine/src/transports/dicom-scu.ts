/**
 * DICOM C-STORE SCU over node:net. A payload is a Part-10 file (what the DICOM inbound stores, or a file
 * a File inbound read); its dataset bytes are sent as they are, in the transfer syntax its file meta
 * names, on a presentation context proposed for exactly that SOP class and transfer syntax (no
 * transcoding). An association stays open for following instances of the same SOP class and transfer
 * syntax and is released after `idleReleaseMs` without one.
 *
 * Outcomes: Success and warnings are `ok`; Refused: out of resources (A7xx), a transient association
 * rejection, no connection or no answer in time are `retry`; any other failure status, a permanent
 * rejection, a context the peer does not accept and a payload that is not Part-10 are `permanent`.
 */
import net from "node:net";
import {
  DicomFormatError,
  IMPLEMENTATION_CLASS_UID,
  IMPLEMENTATION_VERSION,
  readPart10,
} from "./dicom-dataset.js";
import { COMMAND, decodeCommand, encodeCommand, statusHex, storeStatusClass } from "./dicom-dimse.js";
import {
  APPLICATION_CONTEXT,
  encodeAbort,
  encodeAssociateRq,
  encodeData,
  encodeReleaseRq,
  PC_RESULT,
  PDU,
  type Pdu,
  PduReader,
  REJECT,
} from "./dicom-pdu.js";
import type { DicomOutboundSettings } from "./dicom-settings.js";
import { errorText } from "./errors.js";
import { OutboundStats } from "./stats.js";
import type { ConnectorLog, OutboundConnector, OutboundState, SendMeta, SendResult } from "./types.js";
import { SerialQueue } from "./util.js";

/** Largest PDV we send when the peer announces no limit (0). */
const DEFAULT_SEND_PDU = 64 * 1024;

class Retry extends Error {}
class Permanent extends Error {}

/** One open association: a socket, its PDU reader and the one accepted presentation context. */
class Association {
  private readonly reader: PduReader;
  private readonly ready: Pdu[] = [];
  private waiter: { resolve: (p: Pdu) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private messageId = 0;
  peerMaxPdu = 0;
  contextId = 1;

  constructor(
    readonly key: string,
    readonly socket: net.Socket,
    maxPdu: number,
    private readonly stats: OutboundStats,
  ) {
    this.reader = new PduReader(Math.max(maxPdu + 64, 256 * 1024));
    socket.on("data", (chunk: Buffer) => {
      stats.bytesIn(chunk.length);
      this.reader.push(chunk);
      try {
        for (let p = this.reader.next(); p !== undefined; p = this.reader.next()) this.ready.push(p);
      } catch (err) {
        this.fail(new Retry(`protocol error from the peer: ${errorText(err)}`));
        return;
      }
      this.wake();
    });
    socket.on("error", (err) => this.fail(new Retry(errorText(err))));
    socket.on("close", () => this.fail(new Retry("connection closed by the peer")));
  }

  get alive(): boolean {
    return this.failure === undefined && !this.socket.destroyed;
  }

  nextMessageId(): number {
    this.messageId = (this.messageId % 0xffff) + 1;
    return this.messageId;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    const p = this.ready.shift();
    if (p !== undefined) {
      this.waiter = undefined;
      w.resolve(p);
    } else if (this.failure) {
      this.waiter = undefined;
      w.reject(this.failure);
    }
  }

  next(timeoutMs: number, what: string): Promise<Pdu> {
    const p = this.ready.shift();
    if (p !== undefined) return Promise.resolve(p);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Pdu>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Retry(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  async write(bytes: Buffer): Promise<void> {
    if (!this.alive) throw this.failure ?? new Retry("connection closed");
    this.stats.bytesOut(bytes.length);
    if (!this.socket.write(bytes))
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          this.socket.off("drain", done);
          this.socket.off("close", done);
          if (this.socket.destroyed) reject(this.failure ?? new Retry("connection closed"));
          else resolve();
        };
        this.socket.on("drain", done);
        this.socket.on("close", done);
      });
  }
}

export class DicomOutbound implements OutboundConnector {
  readonly type = "dicom";
  private readonly stats = new OutboundStats();
  private readonly queue = new SerialQueue();
  private assoc: Association | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    private readonly s: DicomOutboundSettings,
    private readonly log: ConnectorLog,
  ) {}

  get state(): OutboundState {
    return this.stats.snapshot();
  }

  send(payload: Buffer, meta: SendMeta): Promise<SendResult> {
    return this.queue.run(async () => {
      clearTimeout(this.idleTimer);
      const result = await this.deliver(payload);
      this.stats.result(result.status === "ok", result.error);
      const fields = { connection: this.name, messageId: meta.messageId, status: result.status };
      if (result.status === "ok") this.log.debug(fields, "delivered");
      else this.log.debug({ ...fields, error: result.error }, "delivery failed");
      if (this.assoc !== undefined) {
        if (this.s.idleReleaseMs === 0) await this.release();
        else {
          this.idleTimer = setTimeout(() => void this.queue.run(() => this.release()), this.s.idleReleaseMs);
          this.idleTimer.unref();
        }
      }
      return result;
    });
  }

  async close(): Promise<void> {
    await this.queue.idle();
    clearTimeout(this.idleTimer);
    await this.release();
    this.stats.status = "closed";
  }

  private async deliver(payload: Buffer): Promise<SendResult> {
    let file: ReturnType<typeof readPart10>;
    try {
      file = readPart10(payload);
    } catch (err) {
      const why = err instanceof DicomFormatError ? err.message : errorText(err);
      return { status: "permanent", error: `payload is not a DICOM file: ${why}` };
    }
    const { sopClassUid, sopInstanceUid, transferSyntaxUid } = file.meta;
    const dataset = payload.subarray(file.datasetOffset);
    try {
      const assoc = await this.associationFor(sopClassUid, transferSyntaxUid);
      const messageId = assoc.nextMessageId();
      const command = encodeCommand({
        field: COMMAND.C_STORE_RQ,
        messageId,
        affectedSopClassUid: sopClassUid,
        affectedSopInstanceUid: sopInstanceUid,
        hasDataset: true,
      });
      await assoc.write(encodeData(assoc.contextId, true, true, command));
      const max = (assoc.peerMaxPdu > 0 ? Math.min(assoc.peerMaxPdu, 4 * 1024 * 1024) : DEFAULT_SEND_PDU) - 6;
      for (let at = 0; at < dataset.length || at === 0; at += max) {
        const end = Math.min(dataset.length, at + max);
        await assoc.write(
          encodeData(assoc.contextId, false, end >= dataset.length, dataset.subarray(at, end)),
        );
        if (dataset.length === 0) break;
      }
      const rsp = await this.response(assoc, messageId);
      this.stats.status = "connected";
      const status = rsp.status ?? 0xffff;
      const reply = Buffer.from(
        JSON.stringify({
          status: statusHex(status),
          ...(rsp.errorComment ? { errorComment: rsp.errorComment } : {}),
        }),
      );
      const cls = storeStatusClass(status);
      if (cls === "success") return { status: "ok", reply };
      if (cls === "warning") return { status: "ok", reply, error: `C-STORE warning ${statusHex(status)}` };
      return {
        status: cls === "retry" ? "retry" : "permanent",
        reply,
        error: `C-STORE status ${statusHex(status)}`,
      };
    } catch (err) {
      this.drop();
      this.stats.status = "error";
      if (err instanceof Permanent) return { status: "permanent", error: err.message };
      return { status: "retry", error: err instanceof Retry ? err.message : errorText(err) };
    }
  }

  private async response(assoc: Association, messageId: number) {
    const parts: Buffer[] = [];
    for (;;) {
      const pdu = await assoc.next(this.s.responseTimeoutMs, "C-STORE-RSP");
      if (pdu.type === PDU.ABORT) throw new Retry("association aborted by the peer");
      if (pdu.type === PDU.RELEASE_RQ) throw new Retry("peer released the association before answering");
      if (pdu.type !== PDU.DATA)
        throw new Retry(`unexpected PDU type ${pdu.type} while awaiting C-STORE-RSP`);
      for (const pdv of pdu.pdvs) {
        if (!pdv.command) continue;
        parts.push(pdv.data);
        if (!pdv.last) continue;
        const rsp = decodeCommand(Buffer.concat(parts));
        parts.length = 0;
        if (rsp.field === COMMAND.C_STORE_RSP && rsp.respondedTo === messageId) return rsp;
      }
    }
  }

  /** The open association when it fits, else a new one (the old one released first). */
  private async associationFor(sopClass: string, ts: string): Promise<Association> {
    const key = `${sopClass}|${ts}`;
    if (this.assoc?.alive && this.assoc.key === key) return this.assoc;
    await this.release();
    const socket = await this.connect();
    const assoc = new Association(key, socket, this.s.maxPduLength, this.stats);
    this.assoc = assoc;
    await assoc.write(
      encodeAssociateRq({
        calledAeTitle: this.s.calledAeTitle,
        callingAeTitle: this.s.callingAeTitle,
        applicationContext: APPLICATION_CONTEXT,
        contexts: [{ id: 1, abstractSyntax: sopClass, transferSyntaxes: [ts] }],
        maxPduLength: this.s.maxPduLength,
        implementationClassUid: IMPLEMENTATION_CLASS_UID,
        implementationVersion: IMPLEMENTATION_VERSION,
      }),
    );
    const answer = await assoc.next(this.s.responseTimeoutMs, "A-ASSOCIATE-AC");
    if (answer.type === PDU.ASSOCIATE_RJ) {
      const why = rejectReason(answer.source, answer.reason);
      // Result 1 is permanent (a wrong AE title will not fix itself), 2 transient.
      if (answer.result === 1) throw new Permanent(`association rejected: ${why}`);
      throw new Retry(`association rejected (transient): ${why}`);
    }
    if (answer.type !== PDU.ASSOCIATE_AC)
      throw new Retry(`unexpected PDU type ${answer.type} instead of A-ASSOCIATE-AC`);
    const pc = answer.ac.contexts.find((c) => c.id === 1);
    if (pc?.result !== PC_RESULT.ACCEPTANCE)
      throw new Permanent(
        `peer does not accept SOP class ${sopClass} in transfer syntax ${ts} (result ${pc?.result ?? "missing"})`,
      );
    assoc.peerMaxPdu = answer.ac.maxPduLength;
    this.log.debug({ connection: this.name, calledAe: this.s.calledAeTitle }, "association established");
    return assoc;
  }

  private connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.s.host, port: this.s.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Retry(`no connection within ${this.s.connectTimeoutMs} ms`));
      }, this.s.connectTimeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(socket);
      });
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(new Retry(errorText(err)));
      });
    });
  }

  /** A-RELEASE-RQ and wait briefly for the RP; a dead association is just closed. */
  private async release(): Promise<void> {
    const assoc = this.assoc;
    this.assoc = undefined;
    if (!assoc) return;
    if (assoc.alive) {
      try {
        await assoc.write(encodeReleaseRq());
        for (;;) {
          const p = await assoc.next(Math.min(this.s.responseTimeoutMs, 5_000), "A-RELEASE-RP");
          if (p.type === PDU.RELEASE_RP || p.type === PDU.ABORT) break;
        }
      } catch {
        // The peer went away during release: nothing was in flight.
      }
    }
    assoc.socket.destroy();
    if (this.stats.status === "connected") this.stats.status = "idle";
  }

  /** After a failure mid-exchange: abort, so the peer does not keep a half-received instance. */
  private drop(): void {
    const assoc = this.assoc;
    this.assoc = undefined;
    if (!assoc) return;
    if (assoc.alive) assoc.socket.end(encodeAbort());
    setTimeout(() => assoc.socket.destroy(), 1000).unref();
  }
}

function rejectReason(source: number, reason: number): string {
  if (source === 1) {
    if (reason === REJECT.CALLED_AE) return "called AE title not recognized";
    if (reason === REJECT.CALLING_AE) return "calling AE title not recognized";
    if (reason === REJECT.APPLICATION_CONTEXT) return "application context not supported";
  }
  return `source ${source}, reason ${reason}`;
}
