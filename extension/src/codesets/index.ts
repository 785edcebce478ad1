/** Code sets in the extension: the New / Rename / Delete commands (the grid editor is views/codeSetEditor.ts). */
export { registerCodeSetCommands } from "./commands.js";
