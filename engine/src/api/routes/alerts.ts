/** GET /alerts: the alerts firing now and the recent notices. */
import type { FastifyPluginAsync } from "fastify";
import {
  type ActiveAlertItem,
  type AlertList,
  type AlertNoticeItem,
  alertsSchema,
} from "../schemas/alerts.js";
import { iso } from "../schemas/common.js";
import type { AlertInfo, AlertNotice, EngineServices } from "../services.js";

export function activeAlertView(a: AlertInfo): ActiveAlertItem {
  return { ...a, since: iso(a.since), lastNotifiedAt: iso(a.lastNotifiedAt) };
}

function noticeView(n: AlertNotice): AlertNoticeItem {
  return {
    kind: n.kind,
    alert: n.alert,
    condition: n.condition,
    connection: n.connection,
    at: iso(n.at),
    since: iso(n.since),
    value: n.value,
    errorClass: n.errorClass,
    text: n.text,
  };
}

export const alertRoutes: FastifyPluginAsync<Pick<EngineServices, "alerts">> = async (app, { alerts }) => {
  app.get<{ Reply: AlertList }>(
    "/alerts",
    { schema: alertsSchema, config: { permission: "monitoring:read" } },
    async () => ({
      active: (alerts?.active() ?? []).map(activeAlertView),
      recent: (alerts?.recent() ?? []).map(noticeView),
    }),
  );
};
