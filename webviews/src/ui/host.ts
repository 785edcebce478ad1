/**
 * The view's side of the host connection: a typed wrapper over acquireVsCodeApi() (which may be called
 * only once per page) for posting, receiving and persisting view state across hide/reveal.
 */
import { isTagged, type ReadyMessage } from "../protocol/common.js";

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Host<ToView, FromView, State> {
  post(message: FromView | ReadyMessage): void;
  /** Registers the handler and then posts `ready` (the host sends nothing before it). */
  listen(handler: (message: ToView) => void): void;
  getState(): State | undefined;
  setState(state: State): void;
}

export function connectHost<ToView, FromView, State>(): Host<ToView, FromView, State> {
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    listen(handler) {
      window.addEventListener("message", (event: MessageEvent<unknown>) => {
        // Only the host's messages carry a tagged object; anything else (extensions, devtools) is ignored.
        if (isTagged(event.data)) handler(event.data as ToView);
      });
      api.postMessage({ type: "ready" } satisfies ReadyMessage);
    },
    getState: () => (api.getState() ?? undefined) as State | undefined,
    setState: (state) => api.setState(state),
  };
}
