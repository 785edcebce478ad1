/** What routers/handlers receive for any non-HL7 contentType: the bytes, with text/JSON views. */
export class RawMessage {
  readonly raw: Buffer;
  readonly contentType: string;
  #text: string | undefined;

  constructor(raw: Buffer | string, contentType = "text") {
    this.raw = typeof raw === "string" ? Buffer.from(raw, "utf8") : raw;
    this.contentType = contentType;
  }

  /** The body decoded as UTF-8. */
  get text(): string {
    this.#text ??= this.raw.toString("utf8");
    return this.#text;
  }

  /** The body parsed as JSON; throws a SyntaxError naming the problem when it is not JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.text) as T;
  }

  /** An independent copy (each handler gets its own). */
  clone(): RawMessage {
    return new RawMessage(Buffer.from(this.raw), this.contentType);
  }
}
