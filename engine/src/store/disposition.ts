/**
 * The finalizer's rule, as a pure function so every Store implementation decides alike: a message's
 * disposition follows from the tallies of its current run's stage rows. Only this rule sets it.
 */
import type { Disposition, RowState, Stage } from "./types.js";

export interface RowTally {
  stage: Stage;
  state: RowState;
  n: number;
}

export function decideDisposition(tallies: readonly RowTally[]): Disposition {
  let ingressOpen = 0;
  let ingressFailed = 0;
  let ingressDone = 0;
  let laterRows = 0;
  let laterOpen = 0;
  let failed = 0;
  let outboundRows = 0;
  for (const t of tallies) {
    if (t.state === "replaced" || t.n === 0) continue;
    const open = t.state === "pending" || t.state === "claimed";
    const bad = t.state === "dead" || t.state === "cancelled";
    if (t.stage === "ingress") {
      if (open) ingressOpen += t.n;
      else if (bad) ingressFailed += t.n;
      else ingressDone += t.n;
      continue;
    }
    laterRows += t.n;
    if (open) laterOpen += t.n;
    if (bad) failed += t.n;
    if (t.stage === "outbound") outboundRows += t.n;
  }
  if (ingressOpen > 0) return "RECEIVED";
  if (ingressFailed > 0) return "ERROR";
  if (ingressDone === 0) return "RECEIVED";
  if (laterRows === 0) return "UNROUTED";
  if (laterOpen > 0) return "ROUTED";
  if (failed > 0) return "ERROR";
  return outboundRows === 0 ? "FILTERED" : "PROCESSED";
}
