/** The Steps view's host-side logic that needs no vscode API (pure). */
export { inboundsFeeding, ranIn } from "./inbounds.js";
export { type StepsTarget, stepsTarget } from "./target.js";
