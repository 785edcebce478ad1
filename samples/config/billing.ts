// The billing side of the ADT fan-out, simulated locally so the samples run with no external system:
// OB_BILLING_ADT (dev) points at this listener, which archives what billing would receive.
import { env, file, handler, inbound, mllp, outbound, router, send } from "messagefoundry";

inbound("IB_BILLING_ADT", mllp({ port: 2611 }), { router: "billing_adt_router" });
outbound("OB_BILLING_ARCHIVE", file({ path: env("billing_archive_dir") }));

router("billing_adt_router", () => "billing_adt_archive");

handler("billing_adt_archive", (msg) => send("OB_BILLING_ARCHIVE", msg));
