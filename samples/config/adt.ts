// ADT fan-out: ACME's ADT feed goes to the EMR (file drop), to billing (MLLP), each with its own tweaks,
// and to the chart database (chart_db.ts).
import { env, file, handler, inbound, mllp, outbound, router, send } from "messagefoundry";
import { upperCaseName } from "./_helpers/names";

inbound("IB_ACME_ADT", mllp({ port: 2601 }), { router: "acme_adt_router" });

outbound("OB_EMR_ADT", file({ path: env("emr_adt_dir"), filename: "{controlId}.hl7" }));
outbound("OB_BILLING_ADT", mllp({ host: env("billing_host"), port: env("billing_port", "int") }), {
  retry: { attempts: 10, baseMs: 500 },
});

router("acme_adt_router", (msg) => {
  // Billing only cares about admits, registrations and discharges; the EMR and the chart want everything.
  const trigger = msg.get("MSH-9.2");
  return trigger === "A01" || trigger === "A03" || trigger === "A04"
    ? ["acme_adt_to_emr", "acme_adt_to_billing", "acme_adt_to_chart_db"]
    : ["acme_adt_to_emr", "acme_adt_to_chart_db"];
});

handler("acme_adt_to_emr", (msg) => {
  upperCaseName(msg);
  msg.set("MSH-5", "EMR");
  return send("OB_EMR_ADT", msg);
});

handler("acme_adt_to_billing", (msg) => {
  msg.set("MSH-5", "BILLING");
  msg.deleteSegments("NK1"); // billing has no use for next of kin
  return send("OB_BILLING_ADT", msg);
});
