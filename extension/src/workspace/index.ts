/** Which config dir a command works on (the dirs come from the language server). */
export { configFiles, containingDir, pickConfigDir } from "./configDirs.js";
