/** Test Bench ↔ CLI contract (pure): dry-run output, fixture files, check outcomes. */
export { fixtureFiles, fixtureStem, readCheck, readDryRun, readFixtureSpec } from "./fixtures.js";
export {
  dryRunArgs,
  inboundChoices,
  pickInbound,
  probeText,
  readDryRunEvery,
  routerVerdict,
} from "./inbound-pick.js";
