/** Connection steps shared by the Route and Connection Wizards: transport, then the settings it needs. */
import type { RegistryGraph } from "messagefoundry/graph";
import { askDatabase } from "./databaseSteps.js";
import {
  type ConnectionAnswers,
  checkPort,
  type Direction,
  INBOUND_TRANSPORTS,
  OUTBOUND_TRANSPORTS,
  parseEnvInput,
  type Transport,
} from "./model.js";
import type { StepInput } from "./steps.js";

const TRANSPORT_LABELS: Record<Transport, string> = {
  mllp: "HL7 v2 over MLLP (TCP)",
  tcp: "Raw TCP, delimiter-framed",
  http: "HTTP intake (POST bodies become messages)",
  rest: "REST call per message",
  file: "Files in a directory",
  database: "Database (PostgreSQL, MySQL/MariaDB): poll a query / run named statements",
};

export function askTransport(input: StepInput, direction: Direction, current: Transport): Promise<Transport> {
  const list: readonly Transport[] = direction === "inbound" ? INBOUND_TRANSPORTS : OUTBOUND_TRANSPORTS;
  return input.pick<Transport>({
    placeholder: `How does this ${direction} connection ${direction === "inbound" ? "receive" : "send"}?`,
    items: list.map((t) => ({ label: t, description: TRANSPORT_LABELS[t], value: t })),
    activeValue: current,
  });
}

/** Asks what the transport needs (port, host, path, URL), checking ports against the live graph. */
export async function askConnectionSettings(
  input: StepInput,
  c: ConnectionAnswers,
  graph: RegistryGraph | undefined,
): Promise<void> {
  const needsPort = c.transport === "mllp" || c.transport === "tcp" || c.transport === "http";
  const needsHost = c.direction === "outbound" && (c.transport === "mllp" || c.transport === "tcp");
  const notEmpty = (v: string) => (v.trim() === "" ? "A value is required (or env:KEY)." : undefined);
  delete c.host;
  delete c.url;
  if (c.transport === "database") {
    delete c.port;
    delete c.path;
    await askDatabase(input, c);
    return;
  }
  delete c.database;
  if (needsHost) {
    c.host = await input.text({
      prompt: "Peer host (or env:KEY to take it from environments/<env>.toml)",
      value: String(c.host ?? ""),
      placeholder: "env:acme_adt_host",
      validate: notEmpty,
    });
  }
  if (needsPort) {
    const listening = c.direction === "inbound";
    const typed = await input.text({
      prompt: listening ? "Port to listen on" : "Peer port (or env:KEY)",
      value: c.port === undefined ? "" : String(c.port),
      validate: (v) => checkPort(v, { listening, graph }),
    });
    c.port = parseEnvInput(typed) ? typed : Number(typed);
  } else {
    delete c.port;
  }
  if (c.transport === "file" || (c.transport === "http" && c.direction === "inbound")) {
    c.path = await input.text({
      prompt: c.transport === "file" ? "Directory" : "Request path to accept",
      value: c.path ?? (c.transport === "http" ? "/" : ""),
      validate: notEmpty,
    });
  } else {
    delete c.path;
  }
  if (c.transport === "rest") {
    c.url = await input.text({
      prompt: "Target URL (or env:KEY)",
      value: String(c.url ?? ""),
      validate: (v) =>
        parseEnvInput(v) || /^https?:\/\/\S+$/.test(v.trim()) ? undefined : "An http(s) URL or env:KEY.",
    });
  }
}
