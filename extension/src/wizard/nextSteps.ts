/**
 * What the Route Wizard offers once the route is written: a notification whose buttons run these
 * commands (pure data, so a test checks every command is one the extension contributes).
 */
export interface NextStep {
  /** The notification button. */
  title: string;
  command: string;
}

export const ROUTE_NEXT_STEPS: readonly NextStep[] = [
  { title: "Open in Test Bench", command: "messagefoundry.testBench.show" },
  { title: "Stage → Promote", command: "messagefoundry.promote" },
];

/** The notification's text for a written route. */
export function routeWrittenMessage(router: string, moduleFile: string): string {
  return `Route ${router} written to ${moduleFile}. Next: try it with a sample in the Test Bench, then stage and promote it to an engine.`;
}
