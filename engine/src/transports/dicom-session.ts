/**
 * One association on the SCP side: negotiation, then C-ECHO and C-STORE requests one at a time.
 * PDUs are handled in arrival order; while an instance commits, reading pauses once a PDU or two wait,
 * so a fast sender cannot make us buffer more than one instance plus two PDUs.
 */
import type net from "node:net";
import {
  IMPLEMENTATION_CLASS_UID,
  IMPLEMENTATION_VERSION,
  part10Header,
  VERIFICATION_SOP_CLASS,
} from "./dicom-dataset.js";
import { COMMAND, type Command, decodeCommand, encodeCommand, STATUS, statusHex } from "./dicom-dimse.js";
import {
  APPLICATION_CONTEXT,
  type AssociateRq,
  type ContextResult,
  encodeAbort,
  encodeAssociateAc,
  encodeAssociateRj,
  encodeData,
  encodeReleaseRp,
  PC_RESULT,
  PDU,
  type Pdu,
  PduReader,
  type Pdv,
  REJECT,
} from "./dicom-pdu.js";
import type { DicomInboundSettings } from "./dicom-settings.js";
import { errorText } from "./errors.js";
import type { InboundStats } from "./stats.js";
import type { InboundContext } from "./types.js";
import { remoteOf } from "./util.js";

/** Command sets are small; a bigger one is a broken or hostile peer. */
const MAX_COMMAND_BYTES = 64 * 1024;
/** The head of an oversized instance kept for the ERROR record. */
const REJECT_HEAD_BYTES = 64 * 1024;

interface Incoming {
  contextId: number;
  command: Command;
  chunks: Buffer[];
  bytes: number;
  /** Over maxBytes: the rest is drained unkept. */
  over: boolean;
  /** A C-STORE for a SOP class not configured (sent on another context): drained unkept, refused 0122. */
  notSupported: boolean;
  head?: Buffer;
}

export class DicomSession {
  private readonly reader: PduReader;
  private readonly remote: string | undefined;
  private phase: "request" | "established" | "closing" = "request";
  private calling = "";
  private called = "";
  private readonly contexts = new Map<number, { abstractSyntax: string; transferSyntax: string }>();
  private command: Buffer[] = [];
  private commandBytes = 0;
  private incoming: Incoming | undefined;
  private busy = false;
  private idle: (() => void) | undefined;

  constructor(
    private readonly name: string,
    private readonly socket: net.Socket,
    private readonly s: DicomInboundSettings,
    private readonly ctx: InboundContext,
    private readonly stats: InboundStats,
  ) {
    this.remote = remoteOf(socket.remoteAddress, socket.remotePort);
    // The A-ASSOCIATE-RQ may be bigger than a data PDU (many presentation contexts).
    this.reader = new PduReader(Math.max(s.maxPduLength + 64, 256 * 1024));
    socket.setNoDelay(true);
    if (s.idleTimeoutMs > 0)
      socket.setTimeout(s.idleTimeoutMs, () => {
        if (this.busy) return; // waiting on our intake, not on the peer
        this.log("info", "association idle; aborted");
        this.abort();
      });
    socket.on("data", (chunk: Buffer) => {
      this.stats.bytesIn(chunk.length);
      this.reader.push(chunk);
      if (this.busy && this.reader.pending > 2 * this.s.maxPduLength) socket.pause();
      void this.pump();
    });
    socket.on("error", (err) => this.log("debug", "socket error", { error: errorText(err) }));
    socket.on("close", () => this.idle?.());
  }

  /** Resolves when no instance is being committed; then the association is aborted. */
  stop(): Promise<void> {
    this.socket.pause();
    if (!this.busy) {
      this.abort();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.idle = () => {
        this.abort();
        resolve();
      };
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        let pdu: Pdu | undefined;
        try {
          pdu = this.reader.next();
        } catch (err) {
          this.log("warn", "protocol error; association aborted", { error: errorText(err) });
          this.abort(2);
          return;
        }
        if (pdu === undefined || this.socket.destroyed) break;
        await this.handle(pdu);
      }
    } finally {
      this.busy = false;
      const idle = this.idle;
      if (idle) idle();
      else if (!this.socket.destroyed && this.phase !== "closing") this.socket.resume();
    }
  }

  private async handle(pdu: Pdu): Promise<void> {
    if (this.phase === "request") {
      if (pdu.type !== PDU.ASSOCIATE_RQ) {
        this.log("warn", "first PDU is not an A-ASSOCIATE-RQ; aborted", { pduType: pdu.type });
        return this.abort(2);
      }
      return this.associate(pdu.rq);
    }
    switch (pdu.type) {
      case PDU.DATA:
        for (const pdv of pdu.pdvs) await this.data(pdv);
        return;
      case PDU.RELEASE_RQ:
        this.phase = "closing";
        this.write(encodeReleaseRp());
        this.socket.end();
        this.log("debug", "association released");
        return;
      case PDU.ABORT:
        this.log("debug", "association aborted by the peer");
        this.socket.destroy();
        return;
      default:
        this.log("warn", "unexpected PDU; association aborted", { pduType: pdu.type });
        return this.abort(2);
    }
  }

  private associate(rq: AssociateRq): void {
    this.calling = rq.callingAeTitle;
    this.called = rq.calledAeTitle;
    const refused = this.refusal(rq);
    if (refused !== undefined) {
      this.log("info", `association rejected: ${refused.why}`, { reason: refused.reason });
      this.phase = "closing";
      this.write(encodeAssociateRj(refused.reason));
      this.socket.end();
      return;
    }
    const results: ContextResult[] = rq.contexts.map((pc) => {
      const known =
        pc.abstractSyntax === VERIFICATION_SOP_CLASS || this.s.sopClasses.includes(pc.abstractSyntax);
      if (!known) return { id: pc.id, result: PC_RESULT.ABSTRACT_SYNTAX_NOT_SUPPORTED };
      const allowed = this.s.transferSyntaxes;
      const ts = allowed ? pc.transferSyntaxes.find((t) => allowed.includes(t)) : pc.transferSyntaxes[0];
      if (ts === undefined) return { id: pc.id, result: PC_RESULT.TRANSFER_SYNTAXES_NOT_SUPPORTED };
      this.contexts.set(pc.id, { abstractSyntax: pc.abstractSyntax, transferSyntax: ts });
      return { id: pc.id, result: PC_RESULT.ACCEPTANCE, transferSyntax: ts };
    });
    this.phase = "established";
    this.write(
      encodeAssociateAc({
        calledAeTitle: rq.calledAeTitle,
        callingAeTitle: rq.callingAeTitle,
        contexts: results,
        maxPduLength: this.s.maxPduLength,
        implementationClassUid: IMPLEMENTATION_CLASS_UID,
        implementationVersion: IMPLEMENTATION_VERSION,
      }),
    );
    this.log("debug", "association accepted", { accepted: this.contexts.size, proposed: rq.contexts.length });
  }

  private refusal(rq: AssociateRq): { reason: number; why: string } | undefined {
    if (rq.applicationContext !== APPLICATION_CONTEXT)
      return { reason: REJECT.APPLICATION_CONTEXT, why: "application context not supported" };
    if (!this.s.aeTitles.includes(rq.calledAeTitle))
      return { reason: REJECT.CALLED_AE, why: "called AE title not recognized" };
    if (this.s.callingAeTitles && !this.s.callingAeTitles.includes(rq.callingAeTitle))
      return { reason: REJECT.CALLING_AE, why: "calling AE title not recognized" };
    return undefined;
  }

  private async data(pdv: Pdv): Promise<void> {
    if (pdv.command) {
      this.commandBytes += pdv.data.length;
      if (this.commandBytes > MAX_COMMAND_BYTES) {
        this.log("warn", "command set over 64 KiB; association aborted");
        return this.abort(2);
      }
      this.command.push(pdv.data);
      if (!pdv.last) return;
      const bytes = Buffer.concat(this.command);
      this.command = [];
      this.commandBytes = 0;
      let cmd: Command;
      try {
        cmd = decodeCommand(bytes);
      } catch (err) {
        this.log("warn", "undecodable command set; association aborted", { error: errorText(err) });
        return this.abort(2);
      }
      return this.request(pdv.contextId, cmd);
    }
    const inc = this.incoming;
    if (inc === undefined || inc.contextId !== pdv.contextId) {
      this.log("warn", "dataset fragment without a C-STORE request; association aborted");
      return this.abort(2);
    }
    inc.bytes += pdv.data.length;
    if (!inc.over && !inc.notSupported) {
      inc.chunks.push(pdv.data);
      if (inc.bytes > this.s.maxBytes) {
        inc.over = true;
        inc.head = Buffer.concat(inc.chunks, Math.min(inc.bytes, REJECT_HEAD_BYTES)); // copies the head only
        inc.chunks = [];
      }
    }
    if (pdv.last) {
      this.incoming = undefined;
      await this.store(inc);
    }
  }

  private request(contextId: number, cmd: Command): void {
    const pc = this.contexts.get(contextId);
    const answer = (field: number, status: number, comment?: string) =>
      this.respond(contextId, {
        field,
        hasDataset: false,
        status,
        ...(cmd.messageId !== undefined ? { respondedTo: cmd.messageId } : {}),
        ...(cmd.affectedSopClassUid !== undefined ? { affectedSopClassUid: cmd.affectedSopClassUid } : {}),
        ...(cmd.affectedSopInstanceUid !== undefined
          ? { affectedSopInstanceUid: cmd.affectedSopInstanceUid }
          : {}),
        ...(comment !== undefined ? { errorComment: comment } : {}),
      });
    if (pc === undefined) {
      this.log("warn", "request on a presentation context not accepted; association aborted", { contextId });
      this.abort(2);
    } else if (cmd.field === COMMAND.C_ECHO_RQ) {
      this.log("debug", "C-ECHO");
      answer(COMMAND.C_ECHO_RSP, STATUS.SUCCESS);
    } else if (cmd.field !== COMMAND.C_STORE_RQ) {
      // With a dataset we could not tell it from the next request's: abort.
      if (cmd.hasDataset) this.abort(2);
      else answer(cmd.field | 0x8000, STATUS.UNRECOGNIZED_OPERATION);
    } else if (!cmd.hasDataset || !cmd.affectedSopInstanceUid) {
      this.log("warn", "C-STORE without a dataset or instance UID; association aborted");
      this.abort(2);
    } else {
      const sopClass = cmd.affectedSopClassUid ?? pc.abstractSyntax;
      const notSupported = !this.s.sopClasses.includes(sopClass);
      this.incoming = { contextId, command: cmd, chunks: [], bytes: 0, over: false, notSupported };
    }
  }

  private async store(inc: Incoming): Promise<void> {
    const pc = this.contexts.get(inc.contextId)!;
    const cmd = inc.command;
    const reply = (status: number, comment?: string) =>
      this.respond(inc.contextId, {
        field: COMMAND.C_STORE_RSP,
        hasDataset: false,
        status,
        ...(cmd.messageId !== undefined ? { respondedTo: cmd.messageId } : {}),
        affectedSopClassUid: cmd.affectedSopClassUid ?? pc.abstractSyntax,
        ...(cmd.affectedSopInstanceUid !== undefined
          ? { affectedSopInstanceUid: cmd.affectedSopInstanceUid }
          : {}),
        ...(comment !== undefined ? { errorComment: comment } : {}),
      });
    const header = part10Header({
      sopClassUid: cmd.affectedSopClassUid ?? pc.abstractSyntax,
      sopInstanceUid: cmd.affectedSopInstanceUid ?? "",
      transferSyntaxUid: pc.transferSyntax,
      callingAeTitle: this.calling,
      calledAeTitle: this.called,
    });
    const meta = {
      transport: "dicom",
      contentType: "application/dicom",
      ...(this.remote ? { remote: this.remote } : {}),
    };
    if (inc.notSupported) {
      this.log("info", "C-STORE for a SOP class not configured; refused", {
        sopClass: cmd.affectedSopClassUid,
      });
      return reply(STATUS.SOP_CLASS_NOT_SUPPORTED, "SOP class not supported");
    }
    if (inc.over || header.length + inc.bytes > this.s.maxBytes) {
      const message = `DICOM instance of ${header.length + inc.bytes} bytes exceeds the ${this.s.maxBytes}-byte limit (maxBytes); refused`;
      this.log("warn", "instance over maxBytes; refused", {
        bytes: header.length + inc.bytes,
        maxBytes: this.s.maxBytes,
      });
      const parts = [header, ...(inc.head ? [inc.head] : inc.chunks)];
      // concat with a total length copies only that much: the head, never the whole instance.
      const head = Buffer.concat(parts, Math.min(header.length + inc.bytes, REJECT_HEAD_BYTES));
      try {
        await this.ctx.reject?.(
          { code: "DICOM_INSTANCE_TOO_LARGE", message, bytesSeen: header.length + inc.bytes, head },
          meta,
        );
      } catch (err) {
        this.log("error", "recording the refused instance failed", { error: errorText(err) });
      }
      return reply(STATUS.OUT_OF_RESOURCES, "instance exceeds maxBytes");
    }
    const payload = Buffer.concat([header, ...inc.chunks], header.length + inc.bytes);
    this.stats.message();
    try {
      const r = await this.ctx.receive(payload, meta);
      if (r.accepted) {
        this.log("debug", "instance stored", { bytes: payload.length, sopClass: cmd.affectedSopClassUid });
        return reply(STATUS.SUCCESS);
      }
      return reply(STATUS.CANNOT_UNDERSTAND, "not accepted");
    } catch (err) {
      // Nothing committed: "out of resources" tells the SCU to send it again later.
      this.stats.error(errorText(err));
      this.log("error", "intake failed; C-STORE refused", { error: errorText(err) });
      return reply(STATUS.OUT_OF_RESOURCES, "not stored; try again");
    }
  }

  private respond(contextId: number, cmd: Command): void {
    const bytes = encodeCommand(cmd);
    this.write(encodeData(contextId, true, true, bytes));
    if (cmd.status !== undefined && cmd.status !== STATUS.SUCCESS)
      this.log("debug", "answered with a failure status", { status: statusHex(cmd.status) });
  }

  private write(bytes: Buffer): void {
    if (this.socket.destroyed) return;
    this.stats.bytesOut(bytes.length);
    this.socket.write(bytes);
  }

  private abort(source = 0): void {
    this.phase = "closing";
    if (!this.socket.destroyed) {
      this.write(encodeAbort(source));
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    }
  }

  /** AE titles, peer and counts only: never a dataset value. */
  private log(
    level: "debug" | "info" | "warn" | "error",
    msg: string,
    extra: Record<string, unknown> = {},
  ): void {
    this.ctx.log[level](
      {
        connection: this.name,
        remote: this.remote,
        callingAe: this.calling,
        calledAe: this.called,
        ...extra,
      },
      msg,
    );
  }
}
