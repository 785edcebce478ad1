// Alerts: the engine evaluates these on an interval, writes every notice to its log and (with
// `notify`) sends it through outbound connections. Texts carry names, counts and error classes only.
import { alert } from "messagefoundry";

// Billing (MLLP) refusing connections or NAKing for five minutes with messages waiting.
alert("AL_BILLING_ADT_DOWN", { when: { connection: "OB_BILLING_ADT", down: "5m" }, renotify: "1h" });

// Anything ACME sends that the engine gives up on.
alert("AL_BILLING_ADT_DEAD_LETTERS", { when: { connection: "OB_BILLING_ADT", deadLetters: true } });
