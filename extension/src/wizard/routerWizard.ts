/**
 * The Router Wizard: a router for an existing inbound (picked from the workspace's graph) — the message
 * types it accepts from the HL7 version's definitions, the handlers it returns (existing ones, or a new
 * one built with the Route Wizard's filter, mapping and outbound steps) — written as a new module. An
 * inbound whose router already exists is refused with a clear message.
 */
import type { RegistryGraph } from "messagefoundry/graph";
import * as vscode from "vscode";
import { requestGraph } from "../lsp/graph.js";
import type { Services } from "../services.js";
import { configFiles } from "../workspace/configDirs.js";
import {
  addedMessage,
  checkInboundForRouter,
  familyOfInbound,
  freeModuleFile,
  generateRouterModule,
  inboundChoices,
  type RouterWizardAnswers,
  suggestHandlerName,
  validateRouterWizard,
} from "./addModel.js";
import { catalogFor } from "./catalog.js";
import { askMessageTypes, type HandlerDraft, handlerStepList } from "./handlerSteps.js";
import { checkModuleFile, ROUTE_NEXT_STEPS } from "./model.js";
import { runSteps, type Step } from "./steps.js";
import { writeWizardResult } from "./write.js";

const NEW_HANDLER = "\u0000new-handler";

interface State {
  answers: RouterWizardAnswers;
  family: string;
  addNew: boolean;
  draft: HandlerDraft;
}

export async function runRouterWizard(
  services: Services,
  configDir: vscode.Uri,
  preset?: string,
): Promise<void> {
  const graph: RegistryGraph | undefined = (await requestGraph(services.languageClient(), configDir))?.graph;
  const choices = inboundChoices(graph);
  if (choices.length === 0) {
    void vscode.window.showInformationMessage(
      "This config has no inbound connection yet: the Route Wizard (New Route…) writes one with its router.",
    );
    return;
  }
  const presetChoice = choices.find((c) => c.name === preset);
  const refused = presetChoice && checkInboundForRouter(presetChoice);
  if (refused) {
    void vscode.window.showErrorMessage(refused);
    return;
  }
  const existingFiles = await configFiles(configDir);
  const version =
    vscode.workspace.getConfiguration("messagefoundry", configDir).get<string>("hl7Version") || "2.5";
  const catalog = catalogFor(version);
  const handlers = (graph?.nodes ?? []).filter((n) => n.kind === "handler");
  const state: State = {
    answers: {
      inbound: presetChoice?.name ?? "",
      hl7: presetChoice?.hl7 ?? true,
      router: presetChoice?.router ?? "",
      messageTypes: [],
      existingHandlers: [],
      newHandlers: [],
      newOutbounds: [],
      moduleFile: "",
    },
    family: "",
    addNew: false,
    draft: { handler: { name: "", mappings: [], outbounds: [] }, newOutbound: false },
  };
  const choice = () => choices.find((c) => c.name === state.answers.inbound);
  const steps: Step<State>[] = [
    async (input, s) => {
      if (presetChoice) return;
      s.answers.inbound = await input.pick<string>({
        placeholder: "A router for which inbound connection?",
        items: choices.map((c) => ({
          label: c.name,
          description: c.routed
            ? `${c.transport} · has router ${c.router}`
            : `${c.transport} · no router yet`,
          value: c.name,
        })),
        validate: (name) => {
          const c = choices.find((x) => x.name === name);
          return c ? checkInboundForRouter(c) : undefined;
        },
        ...(s.answers.inbound ? { activeValue: s.answers.inbound } : {}),
      });
      const c = choice();
      s.answers.hl7 = c?.hl7 ?? true;
      s.answers.router = c?.router ?? "";
    },
    async (input, s) => {
      if (!s.answers.hl7) {
        s.answers.messageTypes = [];
        return;
      }
      s.family = await input.text({
        prompt: `Message family ${s.answers.router} routes, e.g. ADT, ORU, ORM`,
        value: s.family || familyOfInbound(s.answers.inbound),
        validate: (v) => (/^[A-Za-z0-9]+$/.test(v.trim()) ? undefined : "Letters and digits only, e.g. ADT."),
      });
    },
    async (input, s) => {
      if (!s.answers.hl7) return;
      s.answers.messageTypes = await askMessageTypes(input, version, s.family, s.answers.messageTypes);
    },
    async (input, s) => {
      const picked = await input.pickMany<string>({
        placeholder: `${s.answers.router} routes to which handlers? Space ticks more.`,
        items: [
          { label: "$(add) New handler…", value: NEW_HANDLER, alwaysShow: true },
          ...handlers.map((h) => ({ label: h.name, description: h.location.file, value: h.name })),
        ],
        selected: [...s.answers.existingHandlers, ...(s.addNew ? [NEW_HANDLER] : [])],
      });
      s.addNew = picked.includes(NEW_HANDLER);
      s.answers.existingHandlers = picked.filter((p) => p !== NEW_HANDLER);
    },
    ...handlerStepList<State>(
      (s) => {
        if (!s.draft.handler.name) s.draft.handler.name = suggestHandlerName(s.answers.router, graph);
        return s.draft;
      },
      (s) => ({
        graph,
        version,
        catalog,
        hl7: s.answers.hl7,
        messageTypes: s.answers.messageTypes,
        outboundName: `OB_${familyOfInbound(s.answers.inbound)}_OUT`,
      }),
      (s) => !s.addNew,
    ),
    async (input, s) => {
      const suggested = freeModuleFile(
        `${s.answers.router.replace(/_router$/, "")}_router.ts`,
        existingFiles,
      );
      s.answers.moduleFile = await input.text({
        prompt: "New module file (relative to the config dir)",
        value: s.answers.moduleFile || suggested,
        validate: (v) => checkModuleFile(v, existingFiles),
      });
    },
  ];
  if (!(await runSteps(steps, state, "New Router"))) return;
  state.answers.newHandlers = state.addNew ? [state.draft.handler] : [];
  state.answers.newOutbounds = state.addNew && state.draft.outbound ? [state.draft.outbound] : [];
  const problems = validateRouterWizard(state.answers, graph, { catalog, existingFiles });
  if (problems.length > 0) {
    void vscode.window.showErrorMessage(`The router was not written: ${problems.join(" ")}`);
    return;
  }
  if (!(await writeWizardResult(configDir, generateRouterModule(state.answers)))) return;
  await offerNextSteps(addedMessage("router", state.answers.router, state.answers.moduleFile));
}

/** The notification with the Route Wizard's next steps as buttons. */
export async function offerNextSteps(message: string): Promise<void> {
  const next = await vscode.window.showInformationMessage(message, ...ROUTE_NEXT_STEPS.map((n) => n.title));
  const step = ROUTE_NEXT_STEPS.find((n) => n.title === next);
  if (step) await vscode.commands.executeCommand(step.command);
}
