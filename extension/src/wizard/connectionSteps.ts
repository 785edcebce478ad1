/** Connection steps shared by the Route and Connection Wizards: transport, then the settings it needs. */
import type { RegistryGraph } from "messagefoundry/graph";
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
  soap: "SOAP 1.1/1.2 (inbound: a SOAP listener; outbound: a SOAP call per message)",
  smtp: "Email (SMTP) per message",
  file: "Files in a directory",
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
  const needsPort =
    c.transport === "mllp" ||
    c.transport === "tcp" ||
    c.transport === "http" ||
    c.transport === "smtp" ||
    (c.transport === "soap" && c.direction === "inbound");
  const needsHost =
    c.direction === "outbound" && (c.transport === "mllp" || c.transport === "tcp" || c.transport === "smtp");
  const notEmpty = (v: string) => (v.trim() === "" ? "A value is required (or env:KEY)." : undefined);
  delete c.host;
  delete c.url;
  delete c.operation;
  delete c.from;
  delete c.to;
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
      value: c.port === undefined ? (c.transport === "smtp" ? "587" : "") : String(c.port),
      validate: (v) => checkPort(v, { listening, graph }),
    });
    c.port = parseEnvInput(typed) ? typed : Number(typed);
  } else {
    delete c.port;
  }
  const listener = (c.transport === "http" || c.transport === "soap") && c.direction === "inbound";
  if (c.transport === "file" || listener) {
    c.path = await input.text({
      prompt: c.transport === "file" ? "Directory" : "Request path to accept",
      value: c.path ?? (listener ? "/" : ""),
      validate: notEmpty,
    });
  } else {
    delete c.path;
  }
  if (c.transport === "rest" || (c.transport === "soap" && c.direction === "outbound")) {
    c.url = await input.text({
      prompt: c.transport === "soap" ? "SOAP endpoint URL (or env:KEY)" : "Target URL (or env:KEY)",
      value: String(c.url ?? ""),
      validate: (v) =>
        parseEnvInput(v) || /^https?:\/\/\S+$/.test(v.trim()) ? undefined : "An http(s) URL or env:KEY.",
    });
  }
  if (c.transport === "soap" && c.direction === "outbound") {
    const op = await input.text({
      prompt: "Body element to wrap each message in (empty: each message is a whole SOAP envelope)",
      value: c.operation ?? "",
      placeholder: "SubmitRequest",
      validate: (v) =>
        v.trim() === "" || /^[A-Za-z_][\w.-]*$/.test(v.trim()) ? undefined : "An XML element name.",
    });
    if (op.trim() !== "") c.operation = op.trim();
  }
  if (c.transport === "smtp") {
    c.from = await input.text({
      prompt: "Sender address (or env:KEY)",
      value: String(c.from ?? ""),
      validate: notEmpty,
    });
    c.to = await input.text({
      prompt: "Recipients, comma-separated (or env:KEY; templates like {MSH-10} allowed)",
      value: String(c.to ?? ""),
      validate: notEmpty,
    });
  }
}
