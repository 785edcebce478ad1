// Helper module: importable by routes, never loaded as an entry (its folder starts with "_").
import type { Message } from "messagefoundry";

/** Upper-case the patient's family and given names (PID-5.1, PID-5.2). */
export function upperCaseName(msg: Message): void {
  for (const path of ["PID-5.1", "PID-5.2"]) {
    const v = msg.get(path);
    if (v !== undefined) msg.set(path, v.toUpperCase());
  }
}
