// JSON intake over HTTP: a registration form posts JSON; we turn it into an ADT^A04 for the EMR.
// No bearer token, so it listens on this machine only. To require one, add
// `token: env("web_intake_token")` and set MEFOR_VALUE_WEB_INTAKE_TOKEN in the engine's environment:
// a secret never goes in environments/*.toml (validate reports MF-SECRET-IN-FILE).
import { handler, http, inbound, parse, type RawMessage, router, send } from "messagefoundry";

inbound("IB_WEB_JSON", http({ host: "127.0.0.1", port: 2603, path: "/register" }), {
  router: "web_json_router",
  contentType: "json",
});

interface Registration {
  id: string;
  mrn: string;
  family: string;
  given: string;
  birthDate: string; // YYYY-MM-DD
  sex: "M" | "F" | "O" | "U";
}

router("web_json_router", (msg: RawMessage) =>
  msg.json<Partial<Registration>>().mrn ? "web_json_to_adt" : [],
);

handler("web_json_to_adt", (msg: RawMessage) => {
  const r = msg.json<Registration>();
  const adt = parse("MSH|^~\\&|WEBFORM|ACME|EMR|ACME|||ADT^A04^ADT_A01|||2.5.1\rEVN|A04\rPID|1\rPV1|1|O");
  adt.set("MSH-10", `WEB${r.id}`);
  adt.set("PID-3.1", r.mrn);
  adt.set("PID-3.5", "MR");
  adt.set("PID-5.1", r.family.toUpperCase());
  adt.set("PID-5.2", r.given.toUpperCase());
  adt.set("PID-7", r.birthDate.replaceAll("-", ""));
  adt.set("PID-8", r.sex);
  return send("OB_EMR_ADT", adt);
});
