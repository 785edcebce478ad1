/**
 * Headless scenarios (`messagefoundry scenario run`): a JSON or TOML file of sinks, sends and
 * expectations, run against an engine started in-process or a running one; results as JUnit XML.
 */
export { type CheckResult, evaluate, type Observed } from "./checks.js";
export { apiView, type EngineView, inProcessView } from "./engine-view.js";
export { junitXml, type SuiteResult } from "./junit.js";
export { type RunOptions, runScenario } from "./run.js";
export {
  DISPOSITIONS,
  parseScenario,
  type Scenario,
  type ScenarioDisposition,
  ScenarioError,
  type ScenarioExpect,
  type ScenarioSend,
  type ScenarioSink,
  type SinkExpectation,
} from "./schema.js";
