/** The bind check `serve` runs before listening, and the error registry's coverage of auth codes. */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { API_ERRORS, checkBinding, decodeCursor, encodeCursor, fromAuthError } from "../../src/api/index.js";
import { AUTH_ERROR_CODES, AuthError } from "../../src/auth/index.js";

describe("api/binding", () => {
  it("binds 127.0.0.1 by default and allows any loopback address without TLS", () => {
    assert.deepEqual(checkBinding({}), { ok: true, host: "127.0.0.1", tls: false });
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) {
      assert.equal(checkBinding({ host }).ok, true, host);
    }
  });

  it("refuses any other address without TLS or an insecure reason, and says why", () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "engine.example.test", "128.0.0.1"]) {
      const d = checkBinding({ host });
      assert.equal(d.ok, false, host);
      assert.match(d.ok ? "" : d.error, /TLS certificate and key, or an explicit insecure reason/);
    }
  });

  it("allows a non-loopback address with TLS, or with a reason that comes back as a warning to log", () => {
    assert.deepEqual(checkBinding({ host: "0.0.0.0", tls: { cert: "CERT", key: "KEY" } }), {
      ok: true,
      host: "0.0.0.0",
      tls: true,
    });
    const d = checkBinding({ host: "0.0.0.0", insecureReason: "lab network, no PHI" });
    assert.equal(d.ok, true);
    assert.match(d.ok ? (d.warning ?? "") : "", /insecure.*lab network, no PHI/);
    assert.equal(checkBinding({ host: "0.0.0.0", insecureReason: "   " }).ok, false);
  });

  it("refuses half a TLS configuration, even on loopback", () => {
    const d = checkBinding({ host: "127.0.0.1", tls: { cert: "CERT" } });
    assert.equal(d.ok, false);
    assert.match(d.ok ? "" : d.error, /both a certificate and a key/);
  });
});

describe("api/errors", () => {
  it("every auth core code maps to a registered API code (AUTH_ prefix dropped)", () => {
    for (const code of AUTH_ERROR_CODES) {
      const api = fromAuthError(new AuthError(code, "x"));
      assert.equal(api.code, code.replace(/^AUTH_/, ""), code);
      assert.ok(api.code in API_ERRORS);
    }
    assert.equal(fromAuthError(new AuthError("AUTH_REAUTH_REQUIRED", "x")).statusCode, 403);
    assert.equal(
      fromAuthError(new AuthError("AUTH_ACCOUNT_LOCKED", "x", { retryAfterMs: 1500 })).retryAfterS,
      2,
    );
  });

  it("cursors round-trip and foreign ones are refused", () => {
    assert.equal(decodeCursor(encodeCursor(42)), 42);
    assert.equal(decodeCursor(undefined), undefined);
    assert.throws(() => decodeCursor("bm9wZQ"), { code: "INVALID_CURSOR" });
  });
});
