/**
 * Alerts: rules from the config (`alert(...)`), a pure evaluator over connection snapshots, and the
 * monitor that runs it on an interval and sends notices through outbound connections and the log.
 */
export {
  type ActiveAlert,
  AlertEvaluator,
  type AlertEvent,
  type AlertEventKind,
  type AlertRuleDef,
  type ConnectionSample,
  type Snapshot,
} from "./evaluate.js";
export { AlertMonitor, type AlertMonitorOptions, DEFAULT_ALERT_INTERVAL_MS } from "./monitor.js";
export { Notifier, noticePayload } from "./notify.js";
export { alertRulesOf } from "./rules.js";
export { alertText, humanDuration, resolvedText } from "./text.js";
