// Lab results: only results with an abnormal flag reach the clinic, with flags spelled out for humans.
// The connections for this route live in connections.toml (IB_LAB_ORU, OB_CLINIC_ORU).
import { codeSet, handler, router, send } from "messagefoundry";

const flags = codeSet("abnormal_flags");

router("lab_oru_router", (msg) => (msg.messageType === "ORU^R01" ? ["lab_oru_abnormal"] : []));

handler("lab_oru_abnormal", (msg) => {
  const abnormal = msg.getAll("OBX-8").filter((f) => f !== "" && f !== "N");
  if (abnormal.length === 0) return []; // all normal: filtered
  msg.set("MSH-5", "CLINIC");
  // NTE after the results, one line per distinct flag, e.g. "H = High".
  for (const flag of [...new Set(abnormal)])
    msg.addSegment("NTE", ["1", "L", `${flag} = ${flags.map(flag)}`]);
  return send("OB_CLINIC_ORU", msg);
});
