/** Which files are message files (read as HL7 or X12, not as config). No imports: model.ts and the file readers share it. */

/** True for the files read as X12 interchanges. */
export function isX12FileName(name: string): boolean {
  return /\.(x12|edi)$/i.test(name);
}
