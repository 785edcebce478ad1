// Real-time eligibility (X12 270 → 271). The front desk's system sends a 270 inquiry over X12/TCP; it
// is answered with a 999 once committed and forwarded to the payer, where the engine blocks for the
// payer's 271 on the same socket. The 271 is captured, re-ingressed through the loopback inbound
// IB_RTE_RESPONSE and routed onward: every answer is archived, and a member without active coverage
// (or whose inquiry the payer rejected with an AAA) goes to the registration worklist as JSON.
// Handlers get a RawMessage and read it with the X12 codec, messagefoundry/x12.
import {
  env,
  file,
  handler,
  inbound,
  loopback,
  outbound,
  type RawMessage,
  router,
  send,
  x12,
} from "messagefoundry";
import { parseX12 } from "messagefoundry/x12";

inbound("IB_RTE_REQUEST", x12({ host: "127.0.0.1", port: 2604, ack: "999" }), {
  router: "rte_request_router",
});

outbound(
  "OB_PAYER_RTE",
  x12({
    host: env("payer_rte_host"),
    port: env("payer_rte_port", "int"),
    expectReply: true, // block for the returned interchange
    reingressTo: "IB_RTE_RESPONSE", // route the captured 271 back in
    ta1Required: true, // a TA1 interchange ack is expected
    ackTimeoutMs: 15000,
  }),
);

inbound("IB_RTE_RESPONSE", loopback(), { router: "rte_response_router", contentType: "x12", ack: "none" });

outbound("OB_RTE_ARCHIVE", file({ path: env("rte_archive_dir"), filename: "{messageId}.x12" }));
outbound("OB_RTE_WORKLIST", file({ path: env("rte_worklist_dir"), filename: "{messageId}.json" }));

router("rte_request_router", (msg: RawMessage) => {
  const sets = parseX12(msg.text).transactions;
  return sets.length > 0 && sets.every((t) => t.type === "270") ? "rte_to_payer" : [];
});

handler("rte_to_payer", (msg: RawMessage) => send("OB_PAYER_RTE", msg));

router("rte_response_router", (msg: RawMessage) => {
  const ic = parseX12(msg.text);
  if (ic.get("ST-01") !== "271") return [];
  const active = ic.getAll("EB-01").includes("1") && ic.segment("AAA") === undefined;
  return active ? "rte_archive" : ["rte_archive", "rte_worklist"];
});

handler("rte_archive", (msg: RawMessage) => send("OB_RTE_ARCHIVE", msg));

// One worklist entry per subscriber level (HL-03 = 22) of each 271.
handler("rte_worklist", (msg: RawMessage) =>
  parseX12(msg.text).transactions.flatMap((tx) =>
    tx
      .loops("HL")
      .filter((level) => level.get("HL-03") === "22")
      .map((sub) =>
        send("OB_RTE_WORKLIST", {
          trace: sub.get("TRN-02"),
          memberId: sub.get("NM1-09"),
          family: sub.get("NM1-03"),
          given: sub.get("NM1-04"),
          coverage: sub.get("EB-01") ?? null,
          rejectReason: sub.get("AAA-03") ?? null,
        }),
      ),
  ),
);
