/** Where the config dirs of the workspace are. */
export { configFiles, findConfigDirs, pickConfigDir } from "./configDirs.js";
