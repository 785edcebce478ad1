/** The same contract suite against the machine's real PostgreSQL (a fresh schema per test). */
import { storeContract } from "./contract.js";
import { pgHarness } from "./harnesses.js";

storeContract("postgres", pgHarness);
