#!/usr/bin/env node
// Launcher kept in git so npm links the `messagefoundry` bin at install time, before engine/dist is built.
import("../dist/cli/main.js").catch((error) => {
  if (error && error.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/cli/main.js")) {
    console.error("messagefoundry: the engine is not built yet; run `npm run build` first.");
    process.exit(3);
  }
  throw error;
});
