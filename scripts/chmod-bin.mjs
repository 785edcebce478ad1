// Make the engine CLI executable after tsc emits it (tsc does not keep the mode bit).
import { chmodSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../engine/dist/cli/main.js", import.meta.url));
if (existsSync(bin)) chmodSync(bin, 0o755);
