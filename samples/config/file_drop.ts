// File drop: orders written to a shared folder are picked up and sent on to radiology.
import { env, file, handler, inbound, outbound, router, send } from "messagefoundry";

inbound(
  "IB_DROP_ORM",
  file({ path: env("drop_dir"), pattern: "*.hl7", pollMs: 1000, moveTo: env("drop_done_dir") }),
  {
    router: "drop_orm_router",
  },
);
outbound("OB_RIS_ORM", file({ path: env("ris_out_dir"), filename: "{controlId}.hl7" }));

router("drop_orm_router", (msg) => (msg.messageType.startsWith("ORM^O01") ? "drop_orm_to_ris" : []));

handler("drop_orm_to_ris", (msg) => {
  if (msg.get("ORC-1") === "CA") return []; // cancellations are phoned through, not sent
  msg.set("MSH-5", "RIS");
  return send("OB_RIS_ORM", msg);
});
