/** The runner's connection states in the API's terms: shared by the API services and the alert snapshot. */
import type { ConnectionDescription, ConnectionState } from "../api/index.js";
import { errorClass } from "../pipeline/error-class.js";
import type { Runner } from "../pipeline/runner.js";

/** The runner's live view, in the API's terms (a part backing off after a crash shows as error). */
export function describeConnections(runner: Pick<Runner, "connections">): ConnectionDescription[] {
  return runner.connections().map((c) => {
    const state: ConnectionState =
      c.state === "stopped"
        ? "stopped"
        : c.state === "restarting" || c.connector.status === "error"
          ? "error"
          : "running";
    const error = c.lastError ?? c.connector.lastError ?? null;
    return {
      name: c.name,
      direction: c.direction,
      transport: c.transport,
      state,
      ...(state === "error" ? { error } : {}),
      ...(error !== null ? { lastError: error, lastErrorClass: errorClass(error) } : {}),
    };
  });
}
