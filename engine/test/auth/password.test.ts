import assert from "node:assert/strict";
import { checkPasswordPolicy, isAuthError } from "../../src/auth/index.js";
import { hashPassword, verifyPassword } from "../../src/auth/password.js";
import { hashToken, looksLikeToken, newSessionToken } from "../../src/auth/tokens.js";
import { CHEAP_HASH } from "./helpers.js";

describe("auth/password", () => {
  it("hashes with argon2id and verifies only the right password", async () => {
    const stored = await hashPassword("TEST-password-123", CHEAP_HASH);
    assert.match(stored, /^\$argon2id\$v=19\$/);
    assert.ok(!stored.includes("TEST-password-123"));
    assert.equal(await verifyPassword(stored, "TEST-password-123"), true);
    assert.equal(await verifyPassword(stored, "TEST-password-124"), false);
    assert.equal(await verifyPassword(stored, ""), false);
  });

  it("salts: the same password hashes differently each time", async () => {
    const a = await hashPassword("same-password-xyz", CHEAP_HASH);
    const b = await hashPassword("same-password-xyz", CHEAP_HASH);
    assert.notEqual(a, b);
  });

  it("treats a malformed stored hash as a mismatch instead of throwing", async () => {
    assert.equal(await verifyPassword("not-a-hash", "whatever-password"), false);
    assert.equal(await verifyPassword("", "whatever-password"), false);
  });

  it("requires at least 12 characters, counted as code points", () => {
    const rejects = (pw: string) =>
      assert.throws(
        () => checkPasswordPolicy(pw),
        (e: unknown) => isAuthError(e, "AUTH_PASSWORD_POLICY"),
      );
    rejects("");
    rejects("elevenchars");
    rejects("😀😀😀😀😀😀😀😀😀😀😀"); // 11 emoji: 22 UTF-16 units, still too short
    rejects(" ".repeat(20));
    rejects("x".repeat(1025));
    checkPasswordPolicy("twelve-chars");
    checkPasswordPolicy("😀😀😀😀😀😀😀😀😀😀😀😀");
  });

  it("gives a positioned, readable policy message", () => {
    assert.throws(() => checkPasswordPolicy("short"), /at least 12 characters \(got 5\)/);
  });
});

describe("auth/tokens", () => {
  it("makes 32-byte base64url tokens that never repeat", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const token = newSessionToken();
      assert.equal(Buffer.from(token, "base64url").length, 32);
      assert.ok(looksLikeToken(token));
      seen.add(token);
    }
    assert.equal(seen.size, 200);
  });

  it("stores a SHA-256 hex digest, not the token", () => {
    const token = newSessionToken();
    const h = hashToken(token);
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.notEqual(h, token);
    assert.equal(hashToken(token), h);
  });

  it("rejects malformed tokens before any lookup", () => {
    assert.equal(looksLikeToken(""), false);
    assert.equal(looksLikeToken("a".repeat(42)), false);
    assert.equal(looksLikeToken(`${"a".repeat(42)}=`), false);
    assert.equal(looksLikeToken(42), false);
  });
});
