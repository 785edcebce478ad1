import { storeContract } from "./contract.js";
import { sqliteHarness } from "./harnesses.js";

storeContract("sqlite", sqliteHarness);
