/**
 * The Connection Wizard: one inbound or outbound connection appended to connections.toml — direction,
 * transport, name, settings, and for an inbound its content type and router (an existing one or a name
 * to create later; the language server then offers the "create router" quick fix).
 */
import * as vscode from "vscode";
import { requestGraph } from "../lsp/graph.js";
import type { Services } from "../services.js";
import { askConnectionSettings, askTransport, settingsQuestionCount } from "./connectionSteps.js";
import {
  CONTENT_TYPES,
  type ConnectionAnswers,
  type ContentType,
  checkConnectionName,
  checkFunctionName,
  type Direction,
  generateConnection,
  validateConnection,
} from "./model.js";
import { runSteps, type Step } from "./steps.js";
import { writeWizardResult } from "./write.js";

export async function runConnectionWizard(services: Services, configDir: vscode.Uri): Promise<void> {
  const graph = (await requestGraph(services.languageClient(), configDir))?.graph;
  const state: { c: ConnectionAnswers } = { c: { direction: "inbound", name: "", transport: "mllp" } };
  const routers = (graph?.nodes ?? []).filter((n) => n.kind === "router").map((n) => n.name);
  const steps: Step<typeof state>[] = [
    async (input, s) => {
      s.c.direction = await input.pick<Direction>({
        placeholder: "Which kind of connection?",
        items: [
          { label: "Inbound", description: "receives messages and hands them to a router", value: "inbound" },
          { label: "Outbound", description: "delivers messages handlers send to it", value: "outbound" },
        ],
        activeValue: s.c.direction,
      });
    },
    async (input, s) => {
      s.c.transport = await askTransport(input, s.c.direction, s.c.transport);
    },
    async (input, s) => {
      s.c.name = await input.text({
        prompt: "Connection name ([TYPE]_[PARTNER]_[MESSAGE])",
        value: s.c.name || (s.c.direction === "inbound" ? "IB_" : "OB_"),
        validate: (v) => checkConnectionName(v, s.c.direction, graph),
      });
    },
    async (input, s) => {
      input.about(`${s.c.direction} settings`, settingsQuestionCount(s.c));
      await askConnectionSettings(input, s.c, graph);
    },
    async (input, s) => {
      if (s.c.direction !== "inbound") return;
      s.c.contentType = await input.pick<ContentType>({
        placeholder: "What does this inbound receive?",
        items: CONTENT_TYPES.map((t) => ({ label: t, value: t })),
        // A database source sends each row as JSON unless it names a payload column; X12 carries
        // interchanges, DICOM connectors DICOM files.
        activeValue:
          s.c.contentType ??
          (s.c.transport === "database"
            ? "json"
            : s.c.transport === "x12"
              ? "x12"
              : s.c.transport.startsWith("dicom")
                ? "dicom"
                : "hl7v2"),
      });
    },
    async (input, s) => {
      if (s.c.direction !== "inbound") return;
      const NEW = "\u0000new";
      const picked = await input.pick<string>({
        placeholder: "Which router receives its messages?",
        items: [
          { label: "$(add) A new router name…", value: NEW, alwaysShow: true },
          ...routers.map((r) => ({ label: r, value: r })),
        ],
        ...(s.c.router ? { activeValue: s.c.router } : {}),
      });
      s.c.router =
        picked !== NEW
          ? picked
          : await input.text({
              prompt: "Router name (declare it in a module; the language server offers a stub)",
              value: `${s.c.name.split("_").slice(1).join("_").toLowerCase()}_router`,
              validate: (v) => checkFunctionName(v, "router", graph),
            });
    },
  ];
  if (!(await runSteps(steps, state, "New Connection"))) return;
  const problems = validateConnection(state.c, graph);
  if (problems.length > 0) {
    void vscode.window.showErrorMessage(`The connection was not written: ${problems.join(" ")}`);
    return;
  }
  await writeWizardResult(configDir, { tomlAppend: generateConnection(state.c) });
}
