/** The Load Test panel's plain logic (free of vscode). */
export { DEFAULT_FORM, formProblem, hasFailover, loadArgs, parseLoadEvent, runTimeoutMs } from "./run.js";
