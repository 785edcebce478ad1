/**
 * The Users & Sessions view and My Sessions against the real engine: an administrator (MFA) adds a
 * user through the extension's client and gets the one-time password once; the new user signs in,
 * is held to the must-change step, changes the password; the view's rows say role, state, MFA and
 * sessions; sessions are listed and ended from both sides; the last administrator is protected; and a
 * viewer's grants hide the view (the engine refuses it too).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { EngineClient, EngineError } from "../src/engine/index.js";
import { Grants } from "../src/ops/permissions.js";
import {
  confirmedPassword,
  credentialsNotice,
  mySessionPicks,
  roleChoices,
  sessionDescription,
  userContext,
  userDescription,
} from "../src/ops/usersModel.js";
import { ADMIN, type RealEngine, startRealEngine } from "./support/realEngine.js";

async function codeOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return "OK";
  } catch (err) {
    if (err instanceof EngineError) return err.code;
    throw err;
  }
}

describe("Users & Sessions view (real engine)", () => {
  let engine: RealEngine;
  let admin: EngineClient;

  before(async () => {
    engine = await startRealEngine();
    admin = new EngineClient({ url: engine.url });
    await admin.login({ ...ADMIN, totp: engine.adminTotp() });
  });
  after(() => engine?.close());

  it("adds a user with a one-time password shown once; the user must change it first", async () => {
    assert.equal(new Grants((await admin.session()).user.permissions).managesUsers, true);
    const added = await admin.addUser("ext.viewer", "viewer");
    const notice = credentialsNotice("ext.viewer", added);
    assert.match(notice.detail, new RegExp(added.oneTimePassword));
    assert.deepEqual(
      notice.copies.map((c) => c.button),
      ["Copy password"],
    );

    const user = new EngineClient({ url: engine.url });
    await user.login({ username: "ext.viewer", password: added.oneTimePassword });
    assert.equal((await user.session()).mustChangePassword, true);
    assert.equal(await codeOf(() => user.connections()), "PASSWORD_CHANGE_REQUIRED");
    await user.changePassword({ currentPassword: added.oneTimePassword, newPassword: "viewer-own-password" });
    assert.equal((await user.connections()).length > 0, true);

    const row = (await admin.users()).find((u) => u.name === "ext.viewer");
    assert.ok(row);
    assert.equal(userDescription(row), "viewer · no MFA · 1 session");
    assert.equal(userContext(row), "user.enabled");
  });

  it("a new administrator's notice carries the MFA enrolment with its own copy button", async () => {
    const added = await admin.addUser("ext.admin", "administrator");
    assert.ok(added.mfa);
    const notice = credentialsNotice("ext.admin", added);
    assert.equal(notice.message, "New password and MFA for ext.admin");
    assert.deepEqual(
      notice.copies.map((c) => c.value),
      [added.oneTimePassword, added.mfa.uri],
    );
    const row = (await admin.users()).find((u) => u.name === "ext.admin");
    assert.match(userDescription(row ?? assert.fail()), /^administrator · MFA on · must change password/);
    await admin.setUserEnabled("ext.admin", false);
  });

  it("disable, enable, role and resets act on the engine and show in the row", async () => {
    await engine.addUser("ext.op", "operator");
    assert.equal((await admin.setUserEnabled("ext.op", false)).disabled, true);
    assert.equal(
      userContext((await admin.users()).find((u) => u.name === "ext.op") ?? assert.fail()),
      "user.disabled",
    );
    await admin.setUserEnabled("ext.op", true);
    assert.equal((await admin.setUserRole("ext.op", "viewer")).role, "viewer");
    const reset = await admin.resetPassword("ext.op");
    assert.equal(reset.user.mustChangePassword, true);
    const mfa = await admin.resetMfa("ext.op");
    assert.equal(mfa.user.mfaEnrolled, true);
    assert.deepEqual(roleChoices("viewer").find((r) => r.label === "viewer")?.description, "current");
  });

  it("lists and ends a user's sessions; My Sessions ends the others but keeps this one", async () => {
    const creds = await engine.addUser("ext.roamer", "operator");
    const a = new EngineClient({ url: engine.url });
    const b = new EngineClient({ url: engine.url });
    const c = new EngineClient({ url: engine.url });
    for (const client of [a, b, c]) await client.login(creds);

    const picks = mySessionPicks(await a.mySessions());
    assert.equal(picks.filter((p) => p.sessionId !== undefined).length, 2, "the others are revocable");
    assert.ok(
      picks.some((p) => p.label.includes("$(check)") && p.sessionId === undefined),
      "this one is not",
    );
    assert.ok(picks.at(-1)?.all, "end all others");
    assert.match(
      sessionDescription((await a.mySessions()).find((s) => s.current) ?? assert.fail()),
      /^this session/,
    );

    const bId = (await b.mySessions()).find((s) => s.current)?.id ?? assert.fail();
    await a.revokeMySession(bId);
    assert.equal(await codeOf(() => b.session()), "SESSION_INVALID");

    const listed = await admin.userSessions("ext.roamer");
    assert.equal(listed.length, 2);
    const cId = (await c.mySessions()).find((s) => s.current)?.id ?? assert.fail();
    await admin.revokeUserSession("ext.roamer", cId);
    assert.equal(await codeOf(() => c.session()), "SESSION_INVALID");

    const d = new EngineClient({ url: engine.url });
    await d.login(creds);
    assert.equal(await a.revokeMyOtherSessions(), 1);
    assert.equal(await codeOf(() => d.session()), "SESSION_INVALID");
    assert.equal((await a.session()).user.name, "ext.roamer");
    assert.equal(await admin.revokeUserSessions("ext.roamer"), 1);
  });

  it("the last administrator cannot be disabled or demoted", async () => {
    assert.equal(await codeOf(() => admin.setUserEnabled("administrator", false)), "LAST_ADMIN");
    assert.equal(await codeOf(() => admin.setUserRole("administrator", "viewer")), "LAST_ADMIN");
  });

  it("a changed password needs both entries to match", () => {
    assert.equal(confirmedPassword("same-password-1", "same-password-1"), "same-password-1");
    assert.equal(confirmedPassword("same-password-1", "other-password"), undefined);
    assert.equal(confirmedPassword("", ""), undefined);
  });

  it("a viewer's grants hide the view, and the engine refuses it as well", async () => {
    const viewer = new EngineClient({ url: engine.url });
    await viewer.login(await engine.addUser("ext.plain", "viewer"));
    assert.equal(new Grants((await viewer.session()).user.permissions).managesUsers, false);
    assert.equal(await codeOf(() => viewer.users()), "FORBIDDEN");
    assert.ok((await viewer.mySessions()).length === 1, "My Sessions works for everyone");

    const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      contributes: {
        views: Record<string, { id: string; when?: string }[]>;
        menus: Record<string, { command: string; when?: string }[]>;
      };
    };
    const view = manifest.contributes.views.messagefoundry?.find((v) => v.id === "messagefoundry.users");
    assert.match(view?.when ?? "", /messagefoundry\.can\.manageUsers/);
    for (const item of manifest.contributes.menus["view/item/context"] ?? [])
      if (item.command.startsWith("messagefoundry.users."))
        assert.match(item.when ?? "", /messagefoundry\.can\.manageUsers/, item.command);
  });
});
