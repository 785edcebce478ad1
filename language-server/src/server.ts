/**
 * Entry point: `node dist/language-server.js --stdio`. Never executes config code; see ./core for the
 * analysis and ./lsp for the protocol adapter.
 */
import { createConnection, ProposedFeatures } from "vscode-languageserver/node";
import { engineDictionary, engineValidator } from "./core/index.js";
import { startServer } from "./lsp/session.js";

const connection = createConnection(ProposedFeatures.all);
startServer(connection, { dictionary: engineDictionary(), validate: engineValidator });
