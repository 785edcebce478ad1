import assert from "node:assert/strict";
import {
  can,
  isPermission,
  isRole,
  PERMISSIONS,
  type Permission,
  permissionsOf,
  ROLES,
  type Role,
} from "../../src/auth/index.js";

// The whole matrix, written out: changing a role's reach must change this table too.
const EXPECTED: Record<Role, readonly Permission[]> = {
  administrator: [...PERMISSIONS],
  operator: [
    "monitoring:read",
    "metrics:read",
    "messages:read",
    "messages:raw",
    "messages:replay",
    "connections:control",
  ],
  deployer: ["monitoring:read", "metrics:read", "config:stage", "config:deploy"],
  // No config:stage: staging runs the uploaded code inside the engine process (see the auth README).
  developer: ["monitoring:read", "metrics:read", "messages:read"],
  viewer: ["monitoring:read", "metrics:read", "messages:read"],
  // No metrics:read: the auditor reads the audit trail, and /metrics is for monitoring tools.
  auditor: ["monitoring:read", "audit:read"],
};

describe("auth/permissions", () => {
  it("lists the ten named permissions and six built-in roles", () => {
    assert.deepEqual([...PERMISSIONS].sort(), [
      "audit:read",
      "config:deploy",
      "config:stage",
      "connections:control",
      "messages:raw",
      "messages:read",
      "messages:replay",
      "metrics:read",
      "monitoring:read",
      "users:manage",
    ]);
    assert.deepEqual([...ROLES].sort(), [
      "administrator",
      "auditor",
      "deployer",
      "developer",
      "operator",
      "viewer",
    ]);
  });

  for (const role of ROLES) {
    for (const permission of PERMISSIONS) {
      const granted = EXPECTED[role].includes(permission);
      it(`${role} ${granted ? "has" : "lacks"} ${permission}`, () => {
        assert.equal(can(role, permission), granted);
      });
    }
    it(`permissionsOf(${role}) matches the matrix`, () => {
      assert.deepEqual([...permissionsOf(role)].sort(), [...EXPECTED[role]].sort());
    });
  }

  it("denies by default: unknown roles grant nothing", () => {
    for (const permission of PERMISSIONS) {
      assert.equal(can("root", permission), false);
      assert.equal(can("", permission), false);
      assert.equal(can("Administrator", permission), false);
    }
    assert.deepEqual(permissionsOf("root"), []);
  });

  it("recognises roles and permissions exactly", () => {
    assert.ok(isRole("auditor"));
    assert.ok(!isRole("auditors"));
    assert.ok(!isRole(undefined));
    assert.ok(isPermission("messages:raw"));
    assert.ok(!isPermission("messages:*"));
  });
});
