/**
 * The Route Wizard: inbound (transport, port or path, content type) → router (message types) → handler
 * (filter and field mappings picked from the HL7 definitions) → outbound(s) (existing or new) → module
 * file. Every step validates against the live graph from the language server; Back returns to the
 * previous step with its answer kept. The result is written with one WorkspaceEdit and opened.
 */
import type { RegistryGraph } from "messagefoundry/graph";
import * as vscode from "vscode";
import { requestGraph } from "../lsp/graph.js";
import type { Services } from "../services.js";
import { configFiles } from "../workspace/configDirs.js";
import { catalogFor, fieldChoices, repeatsOf } from "./catalog.js";
import { askConnectionSettings, askTransport, settingsQuestionCount } from "./connectionSteps.js";
import { askFilter, askMappings, askMessageTypes, askNewOutbound, askOutbounds } from "./handlerSteps.js";
import {
  CONTENT_TYPES,
  type ContentType,
  checkConnectionName,
  checkFunctionName,
  checkModuleFile,
  generateRoute,
  ROUTE_NEXT_STEPS,
  type RouteAnswers,
  routeWrittenMessage,
  suggestFreeNames,
  validateRoute,
} from "./model.js";
import { runSteps, type Step } from "./steps.js";
import { writeWizardResult } from "./write.js";

interface State {
  partner: string;
  message: string;
  answers: RouteAnswers;
  newOutbound: boolean;
}

export async function runRouteWizard(services: Services, configDir: vscode.Uri): Promise<void> {
  const live = await requestGraph(services.languageClient(), configDir);
  if (!live) {
    void vscode.window.showWarningMessage(
      "The language server has not loaded this config yet; names and ports are checked without the live graph.",
    );
  }
  const graph: RegistryGraph | undefined = live?.graph;
  const existingFiles = await configFiles(configDir);
  const version =
    vscode.workspace.getConfiguration("messagefoundry", configDir).get<string>("hl7Version") || "2.5";
  const catalog = catalogFor(version);
  const state: State = {
    partner: "",
    message: "ADT",
    newOutbound: false,
    answers: {
      inbound: { direction: "inbound", name: "", transport: "mllp", contentType: "hl7v2" },
      router: { name: "", messageTypes: [] },
      handlers: [{ name: "", mappings: [], outbounds: [] }],
      newOutbounds: [],
      moduleFile: "",
    },
  };
  // Free names only: nothing the workspace's graph or config dir already uses (IB_LAB_ORU_2 if IB_LAB_ORU exists).
  const names = () => suggestFreeNames(state.partner, state.message, graph, existingFiles);
  const hl7 = () => (state.answers.inbound.contentType ?? "hl7v2") === "hl7v2";

  const steps: Step<State>[] = [
    async (input, s) => {
      s.partner = await input.text({
        prompt: "Partner (the system on the other end), e.g. ACME",
        value: s.partner,
        validate: (v) =>
          /^[A-Za-z][A-Za-z0-9 _-]*$/.test(v.trim()) ? undefined : "Letters, digits, spaces, _ or -.",
      });
    },
    async (input, s) => {
      s.message = await input.text({
        prompt: "Message family, e.g. ADT, ORU, ORM",
        value: s.message,
        validate: (v) => (/^[A-Za-z0-9]+$/.test(v.trim()) ? undefined : "Letters and digits only, e.g. ADT."),
      });
    },
    async (input, s) => {
      s.answers.inbound.transport = await askTransport(input, "inbound", s.answers.inbound.transport);
    },
    async (input, s) => {
      const a = s.answers.inbound;
      a.name = await input.text({
        prompt: "Inbound connection name ([TYPE]_[PARTNER]_[MESSAGE])",
        value: a.name || names().inbound,
        validate: (v) => checkConnectionName(v, "inbound", graph),
      });
    },
    async (input, s) => {
      input.about("inbound settings", settingsQuestionCount(s.answers.inbound));
      await askConnectionSettings(input, s.answers.inbound, graph);
    },
    async (input, s) => {
      s.answers.inbound.contentType = await input.pick<ContentType>({
        placeholder: "What does this inbound receive?",
        items: CONTENT_TYPES.map((t) => ({
          label: t,
          value: t,
          description: t === "hl7v2" ? "HL7 v2 (default)" : "",
        })),
        // A database source sends each row as JSON, an X12 connection interchanges: offer that first.
        activeValue:
          s.answers.inbound.transport === "database"
            ? "json"
            : s.answers.inbound.transport === "dicom"
              ? "dicom"
              : s.answers.inbound.transport === "x12"
                ? "x12"
                : (s.answers.inbound.contentType ?? "hl7v2"),
      });
    },
    async (input, s) => {
      s.answers.router.name = await input.text({
        prompt: "Router name",
        value: s.answers.router.name || names().router,
        validate: (v) => checkFunctionName(v, "router", graph),
      });
      s.answers.inbound.router = s.answers.router.name;
    },
    async (input, s) => {
      if (!hl7()) {
        s.answers.router.messageTypes = [];
        return;
      }
      s.answers.router.messageTypes = await askMessageTypes(
        input,
        version,
        s.message,
        s.answers.router.messageTypes,
      );
    },
    async (input, s) => {
      const h = s.answers.handlers[0]!;
      h.name = await input.text({
        prompt: "Handler name",
        value: h.name || names().handler,
        validate: (v) => checkFunctionName(v, "handler", graph),
      });
    },
    async (input, s) => {
      if (!hl7()) return;
      const h = s.answers.handlers[0]!;
      const filter = await askFilter(
        input,
        h.filter,
        () => fieldChoices(version, s.answers.router.messageTypes),
        catalog,
        (path) => repeatsOf(version, s.answers.router.messageTypes, path),
      );
      if (filter) h.filter = filter;
      else delete h.filter;
    },
    async (input, s) => {
      if (!hl7()) return;
      const h = s.answers.handlers[0]!;
      h.mappings = await askMappings(
        input,
        h.mappings,
        () => fieldChoices(version, s.answers.router.messageTypes),
        catalog,
      );
    },
    async (input, s) => {
      const picked = await askOutbounds(input, graph, s.answers.handlers[0]!.outbounds, s.newOutbound);
      s.newOutbound = picked.newOutbound;
      s.answers.handlers[0]!.outbounds = picked.outbounds;
    },
    async (input, s) => {
      if (!s.newOutbound) {
        s.answers.newOutbounds = [];
        return;
      }
      const o = await askNewOutbound(input, s.answers.newOutbounds[0], names().outbound, graph);
      s.answers.newOutbounds = [o];
      const h = s.answers.handlers[0]!;
      if (!h.outbounds.includes(o.name)) h.outbounds.unshift(o.name);
    },
    async (input, s) => {
      s.answers.moduleFile = await input.text({
        prompt: "New module file (relative to the config dir)",
        value: s.answers.moduleFile || names().moduleFile,
        validate: (v) => checkModuleFile(v, existingFiles),
      });
    },
  ];

  if (!(await runSteps(steps, state, "New Route"))) return;
  const issues = validateRoute(state.answers, graph, { catalog, existingFiles });
  if (issues.length > 0) {
    void vscode.window.showErrorMessage(
      `The route was not written: ${issues.map((i) => i.message).join(" ")}`,
    );
    return;
  }
  if (!(await writeWizardResult(configDir, generateRoute(state.answers)))) return;
  // Next steps as buttons that run them: try the route, then stage and promote it.
  const next = await vscode.window.showInformationMessage(
    routeWrittenMessage(state.answers.router.name, state.answers.moduleFile),
    ...ROUTE_NEXT_STEPS.map((n) => n.title),
  );
  const step = ROUTE_NEXT_STEPS.find((n) => n.title === next);
  if (step) await vscode.commands.executeCommand(step.command);
}
