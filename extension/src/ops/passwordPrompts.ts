/** Asking for a new password, and the must-change step right after signing in with a one-time one. */
import * as vscode from "vscode";
import type { EngineClient } from "../engine/client.js";
import { confirmedPassword } from "./usersModel.js";

/** A new password, typed twice; undefined when cancelled or the two differ (which is said). */
export async function askNewPassword(title: string): Promise<string | undefined> {
  const first = await vscode.window.showInputBox({
    title,
    prompt: "New password (at least 12 characters)",
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => ([...v].length >= 12 ? undefined : "At least 12 characters."),
  });
  if (!first) return undefined;
  const second = await vscode.window.showInputBox({
    title,
    prompt: "The new password again",
    password: true,
    ignoreFocusOut: true,
  });
  const chosen = confirmedPassword(first, second);
  if (chosen === undefined && second !== undefined)
    void vscode.window.showErrorMessage("The passwords differ.");
  return chosen;
}

/**
 * After signing in: when the password was a one-time one (an administrator's reset or a new user),
 * asks for a new one at once — the engine allows nothing else until it is changed. `current` is the
 * password just used (the sign-in's factors are fresh, so no second TOTP code is needed).
 */
export async function changeIfReset(client: EngineClient, current: string): Promise<void> {
  if (!(await client.session()).mustChangePassword) return;
  for (;;) {
    const next = await askNewPassword("Your password is a one-time password: choose your own");
    if (!next) {
      void vscode.window.showWarningMessage(
        "Until you change your password the engine allows nothing else (MessageFoundry: Change Password).",
      );
      return;
    }
    try {
      await client.changePassword({ currentPassword: current, newPassword: next });
      void vscode.window.showInformationMessage("Password changed.");
      return;
    } catch (err) {
      void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err));
    }
  }
}
