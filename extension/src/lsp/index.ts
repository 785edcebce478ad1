/** The language client and the custom requests it sends (protocol shared with language-server/src/protocol.ts). */
export { createLanguageClient, SERVER_DEBUG_PORT } from "./client.js";
export { type GraphResult, requestGraph } from "./graph.js";
