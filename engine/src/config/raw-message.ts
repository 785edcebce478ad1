import { type DicomKeyTags, dicomKeyTags } from "../transports/dicom-dataset.js";

/** What routers/handlers receive for any non-HL7 contentType: the bytes, with text/JSON/DICOM views. */
export class RawMessage {
  readonly raw: Buffer;
  readonly contentType: string;
  #text: string | undefined;
  #dicom: DicomKeyTags | undefined;

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

  /**
   * A DICOM message's key tags (contentType `dicom`: a Part-10 file as the dicom inbound stores it):
   * SOP class / instance, study / series UIDs, modality, transfer syntax and the AE titles. Read from
   * the file meta and the dataset's top level only; no name, date or pixel value is decoded. Empty
   * when the body is not a Part-10 file.
   */
  get dicom(): Readonly<DicomKeyTags> {
    this.#dicom ??= Object.freeze(dicomKeyTags(this.raw));
    return this.#dicom;
  }

  /** An independent copy (each handler gets its own). */
  clone(): RawMessage {
    return new RawMessage(Buffer.from(this.raw), this.contentType);
  }
}
