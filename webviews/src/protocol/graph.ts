/** Graph view: the registry graph drawn as columns inbound → router → handler → outbound. */
import type { Problem, RegistryGraph, SourceLocation } from "messagefoundry/graph";
import type { HostErrorMessage, ReadyMessage } from "./common.js";

/** Host → view: the graph (from the language server's `messagefoundry/graph` request) and its problems. */
export interface GraphUpdate {
  type: "graph";
  graph: RegistryGraph;
  problems: Problem[];
}

export type GraphToView = GraphUpdate | HostErrorMessage;

/** View → host: open this declaration (location is relative to the config dir, 1-based). */
export interface GraphOpenLocation {
  type: "openLocation";
  location: SourceLocation;
}

/** View → host: ask for a fresh graph. */
export interface GraphRefresh {
  type: "refresh";
}

/**
 * View → host: open a router or handler in the Steps view (its "Steps" link, a right-click or the S key on
 * its node); `location` is its declaration's name literal, config-relative.
 */
export interface GraphOpenSteps {
  type: "openSteps";
  kind: "router" | "handler";
  name: string;
  location: SourceLocation;
}

export type GraphFromView = ReadyMessage | GraphOpenLocation | GraphRefresh | GraphOpenSteps;
