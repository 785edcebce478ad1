/**
 * DICOMweb STOW-RS outbound (PS3.18 §10.5): each message, a DICOM Part-10 file, is POSTed alone to
 * `<url>/studies` as `multipart/related; type="application/dicom"`. 200 is `ok`; 202 (stored with
 * warnings, or some failed — one instance per request, so a listed failure is ours) is `ok` unless the
 * response names a failed instance, then `permanent`; 409 (the server refused the instance) and other
 * 4xx are `permanent`; 408, 429, 5xx, a timeout and network errors are `retry`. The response (DICOM
 * JSON listing the instance and its retrieve URL) is the recorded reply; it is never logged.
 */
import { randomBytes } from "node:crypto";
import { DicomFormatError, readPart10 } from "./dicom-dataset.js";
import { HttpOutbound, netError, readAtMost, readRestOutbound, statusResult } from "./rest.js";
import { SettingsReader } from "./settings.js";
import type { ConnectorDefinition, ConnectorLog, Loopback, RawSettings, SendResult } from "./types.js";

export interface DicomwebOutboundSettings {
  /** The DICOMweb root; requests go to `<url>/studies`. */
  url: string;
  headers: Record<string, string>;
  token?: string;
  username?: string;
  password?: string;
  timeoutMs: number;
  maxResponseBytes: number;
}

export function readDicomwebOutbound(name: string, raw: RawSettings): DicomwebOutboundSettings {
  // The URL, auth and limits read as REST's do (same checks, same errors); no method, no reingress.
  const r = new SettingsReader(name, raw);
  for (const key of ["method", "reingressTo"]) if (r.has(key)) r.fail(key, "is not a dicomweb setting");
  const rest = readRestOutbound(name, { timeoutMs: 60_000, ...raw });
  return {
    url: rest.url.replace(/\/+$/, ""),
    headers: rest.headers,
    ...(rest.token !== undefined ? { token: rest.token } : {}),
    ...(rest.username !== undefined ? { username: rest.username, password: rest.password } : {}),
    timeoutMs: rest.timeoutMs,
    maxResponseBytes: rest.maxResponseBytes,
  };
}

/** (0008,1198) Failed SOP Sequence in a DICOM JSON response. */
const FAILED_SOP_SEQUENCE = "00081198";

export class DicomwebOutbound extends HttpOutbound {
  readonly type = "dicomweb";

  constructor(
    name: string,
    private readonly settings: DicomwebOutboundSettings,
    log: ConnectorLog,
    hub: Loopback,
  ) {
    super(name, undefined, log, hub);
  }

  protected async request(payload: Buffer): Promise<{ result: SendResult; truncated: boolean }> {
    const s = this.settings;
    try {
      readPart10(payload);
    } catch (err) {
      const why = err instanceof DicomFormatError ? err.message : String(err);
      return {
        result: { status: "permanent", error: `payload is not a DICOM file: ${why}` },
        truncated: false,
      };
    }
    const boundary = `mefor-${randomBytes(12).toString("hex")}`;
    const head = Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`, "latin1");
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`, "latin1");
    const body = Buffer.concat([head, payload, tail]);
    const headers = new Headers(s.headers);
    headers.set("content-type", `multipart/related; type="application/dicom"; boundary=${boundary}`);
    headers.set("accept", "application/dicom+json");
    if (s.token) headers.set("authorization", `Bearer ${s.token}`);
    if (s.username !== undefined)
      headers.set("authorization", `Basic ${Buffer.from(`${s.username}:${s.password}`).toString("base64")}`);
    const signal = AbortSignal.any([AbortSignal.timeout(s.timeoutMs), this.closing.signal]);
    this.stats.bytesOut(body.length);
    try {
      const res = await fetch(`${s.url}/studies`, {
        method: "POST",
        headers,
        // Buffers here are never SharedArrayBuffer-backed; the cast only narrows the generic for BodyInit.
        body: body as Uint8Array<ArrayBuffer>,
        signal,
        redirect: "manual",
      });
      const { body: reply, truncated } = await readAtMost(res, s.maxResponseBytes);
      this.stats.bytesIn(reply.length);
      this.stats.status = "connected";
      let status = statusResult(res.status);
      let error = status === "ok" ? undefined : `HTTP ${res.status}`;
      if (res.status === 202) {
        if (!truncated && failedInstances(reply) > 0) {
          status = "permanent";
          error = "HTTP 202: the server lists the instance as failed";
        } else error = "HTTP 202: stored with warnings";
      }
      const result: SendResult = { status, ...(reply.length ? { reply } : {}), ...(error ? { error } : {}) };
      return { result, truncated };
    } catch (err) {
      this.stats.status = "error";
      const text =
        err instanceof Error && err.name === "TimeoutError"
          ? `no response within ${s.timeoutMs} ms`
          : netError(err);
      return { result: { status: "retry", error: text }, truncated: false };
    }
  }
}

/** Items in the response's Failed SOP Sequence (0 when it is absent or the body is not DICOM JSON). */
function failedInstances(reply: Buffer): number {
  try {
    const json = JSON.parse(reply.toString("utf8")) as Record<string, { Value?: unknown[] }>;
    const doc = Array.isArray(json) ? json[0] : json;
    return doc?.[FAILED_SOP_SEQUENCE]?.Value?.length ?? 0;
  } catch {
    return 0;
  }
}

export const dicomwebConnector: ConnectorDefinition = {
  outbound: (name, raw, deps) =>
    new DicomwebOutbound(name, readDicomwebOutbound(name, raw), deps.log, deps.loopback),
};
