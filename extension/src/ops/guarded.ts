/** Running an engine call from a command: errors become messages, a refused token a sign-in offer. */
import * as vscode from "vscode";
import { EngineError } from "../engine/client.js";
import { type EngineSession, messageOf } from "./session.js";

export type Guarded = <T>(work: () => Promise<T>) => Promise<T | undefined>;

/** Runs an engine call; a refused token is forgotten so the next action asks to sign in. */
export function guardedBy(session: EngineSession): Guarded {
  return async (work) => {
    try {
      return await work();
    } catch (err) {
      if (err instanceof EngineError && err.code === "REAUTH_CANCELLED") return undefined;
      if (err instanceof EngineError && err.needsSignIn) {
        const target = session.current();
        if (target) await session.forget(target);
        const again = await vscode.window.showWarningMessage(`${err.message} Sign in again?`, "Sign in");
        if (again === "Sign in") await session.signIn();
        return undefined;
      }
      void vscode.window.showErrorMessage(messageOf(err));
      return undefined;
    }
  };
}
