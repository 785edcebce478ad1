/** Browser-only helpers shared by the view bundles (views/<view>/main.ts); not for the extension host. */
export * from "./dom.js";
export * from "./host.js";
