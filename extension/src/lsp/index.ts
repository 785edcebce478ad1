/** The language client and the custom requests it sends (their declarations: `@messagefoundry/language-server/protocol`). */
export { createLanguageClient, SERVER_DEBUG_PORT, startLanguageClient } from "./client.js";
export { requestConfigDirs } from "./configDirs.js";
export { type GraphResult, requestGraph } from "./graph.js";
