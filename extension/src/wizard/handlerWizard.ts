/**
 * The Handler Wizard: a handler added to an existing router (picked from the workspace's graph), with a
 * filter, field mappings and outbound(s) as in the Route Wizard. The handler is appended to the router's
 * module and its name added to the router's returned list — minimal edits, found with the TypeScript
 * compiler API (tsEdit.ts), one undo step.
 */
import type { RegistryGraph } from "messagefoundry/graph";
import * as vscode from "vscode";
import { requestGraph } from "../lsp/graph.js";
import type { Services } from "../services.js";
import {
  addedMessage,
  type HandlerWizardAnswers,
  handlerEdits,
  routerChoices,
  routerIsHl7,
  suggestHandlerName,
  validateHandlerWizard,
} from "./addModel.js";
import { catalogFor } from "./catalog.js";
import { type HandlerDraft, handlerStepList } from "./handlerSteps.js";
import { connectionToml } from "./model.js";
import { offerNextSteps } from "./routerWizard.js";
import { runSteps, type Step } from "./steps.js";
import { writeWizardResult } from "./write.js";

interface State {
  router: string;
  draft: HandlerDraft;
}

export async function runHandlerWizard(
  services: Services,
  configDir: vscode.Uri,
  preset?: string,
): Promise<void> {
  const graph: RegistryGraph | undefined = (await requestGraph(services.languageClient(), configDir))?.graph;
  const routers = routerChoices(graph);
  if (routers.length === 0) {
    void vscode.window.showInformationMessage(
      "This config has no router in a TypeScript module yet: New Route… or New Router… writes one.",
    );
    return;
  }
  const version =
    vscode.workspace.getConfiguration("messagefoundry", configDir).get<string>("hl7Version") || "2.5";
  const catalog = catalogFor(version);
  const state: State = {
    router: routers.some((r) => r.name === preset) ? (preset ?? "") : "",
    draft: { handler: { name: "", mappings: [], outbounds: [] }, newOutbound: false },
  };
  const presetRouter = state.router !== "";
  const steps: Step<State>[] = [
    async (input, s) => {
      if (presetRouter) return;
      s.router = await input.pick<string>({
        placeholder: "Add a handler to which router?",
        items: routers.map((r) => ({ label: r.name, description: r.location.file, value: r.name })),
        ...(s.router ? { activeValue: s.router } : {}),
      });
    },
    ...handlerStepList<State>(
      (s) => {
        if (!s.draft.handler.name) s.draft.handler.name = suggestHandlerName(s.router, graph);
        return s.draft;
      },
      (s) => ({
        graph,
        version,
        catalog,
        hl7: routerIsHl7(graph, s.router),
        messageTypes: [],
        outboundName: `OB_${s.router.replace(/_router$/, "").toUpperCase()}_OUT`,
      }),
    ),
  ];
  if (!(await runSteps(steps, state, "Add Handler to Router"))) return;
  const answers: HandlerWizardAnswers = {
    router: state.router,
    hl7: routerIsHl7(graph, state.router),
    handler: state.draft.handler,
    newOutbounds: state.draft.newOutbound && state.draft.outbound ? [state.draft.outbound] : [],
  };
  const problems = validateHandlerWizard(answers, graph, catalog);
  if (problems.length > 0) {
    void vscode.window.showErrorMessage(`The handler was not written: ${problems.join(" ")}`);
    return;
  }
  const file = routers.find((r) => r.name === answers.router)!.location.file;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(configDir, file));
  const edits = handlerEdits(doc.getText(), answers);
  if ("error" in edits) {
    void vscode.window.showErrorMessage(`The handler was not written: ${edits.error}`);
    return;
  }
  const written = await writeWizardResult(configDir, {
    edits: { path: file, edits: edits.edits },
    tomlAppend: answers.newOutbounds.map(connectionToml).join(""),
  });
  if (written) await offerNextSteps(addedMessage("handler", answers.handler.name, file));
}
