/**
 * RBAC: named permissions and the fixed built-in roles. Deny by default — a role has
 * exactly the permissions listed here and nothing else.
 */
export const PERMISSIONS = [
  "monitoring:read",
  /** GET /metrics (Prometheus): counts, depths, latencies — a scraper's token needs nothing else. */
  "metrics:read",
  "messages:read",
  "messages:raw",
  "messages:replay",
  "connections:control",
  "config:stage",
  "config:deploy",
  "users:manage",
  "audit:read",
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ["administrator", "operator", "deployer", "developer", "viewer", "auditor"] as const;

export type Role = (typeof ROLES)[number];

const grants: Record<Role, readonly Permission[]> = {
  administrator: PERMISSIONS,
  // Runs the engine day to day: watches, inspects and replays messages, starts/stops connections.
  operator: [
    "monitoring:read",
    "metrics:read",
    "messages:read",
    "messages:raw",
    "messages:replay",
    "connections:control",
  ],
  // Release manager: stages and promotes reviewed config (both run its code); no message content.
  deployer: ["monitoring:read", "metrics:read", "config:stage", "config:deploy"],
  // Authors config: watches the engine and its message log. No config:stage: staging runs the
  // uploaded code inside the engine process, with its file-system rights (see README) — developers
  // validate with `messagefoundry check` / dry-run locally and hand the bundle to a deployer.
  developer: ["monitoring:read", "metrics:read", "messages:read"],
  viewer: ["monitoring:read", "metrics:read", "messages:read"],
  // Reads the audit trail; deliberately no message access.
  auditor: ["audit:read", "monitoring:read"],
};

const sets: ReadonlyMap<Role, ReadonlySet<Permission>> = new Map(
  ROLES.map((role) => [role, new Set(grants[role])] as const),
);

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function isPermission(value: unknown): value is Permission {
  return typeof value === "string" && (PERMISSIONS as readonly string[]).includes(value);
}

/** Whether `role` grants `permission`. Unknown roles (e.g. from an old database row) grant nothing. */
export function can(role: Role | string, permission: Permission): boolean {
  return sets.get(role as Role)?.has(permission) ?? false;
}

/** The permissions of a role, in the canonical order of {@link PERMISSIONS}. */
export function permissionsOf(role: Role | string): readonly Permission[] {
  const set = sets.get(role as Role);
  return set ? PERMISSIONS.filter((p) => set.has(p)) : [];
}
