/**
 * Engine targets from the `messagefoundry.engines` setting: `[{ name, url, environment }]`. Settings are
 * user-typed JSON, so each entry is checked and a bad one is reported (by index) rather than trusted.
 */

export interface EngineTarget {
  name: string;
  url: string;
  /** The environment the engine runs (dev, staging, prod): picks environments/<env>.toml locally. */
  environment: string;
}

export const DEFAULT_TARGET: EngineTarget = {
  name: "local",
  url: "http://127.0.0.1:8765",
  environment: "dev",
};

export function parseTargets(setting: unknown): { targets: EngineTarget[]; problems: string[] } {
  if (setting === undefined || setting === null) return { targets: [DEFAULT_TARGET], problems: [] };
  if (!Array.isArray(setting)) return { targets: [], problems: ["messagefoundry.engines must be a list."] };
  const targets: EngineTarget[] = [];
  const problems: string[] = [];
  setting.forEach((entry: unknown, i) => {
    const where = `messagefoundry.engines[${i}]`;
    if (typeof entry !== "object" || entry === null) {
      problems.push(`${where} must be an object { name, url, environment }.`);
      return;
    }
    const { name, url, environment } = entry as Record<string, unknown>;
    if (typeof name !== "string" || name.trim() === "") {
      problems.push(`${where}.name must be a non-empty string.`);
      return;
    }
    if (typeof url !== "string" || !isHttpUrl(url)) {
      problems.push(`${where}.url must be an http(s) URL such as http://127.0.0.1:8765.`);
      return;
    }
    if (typeof environment !== "string" || environment.trim() === "") {
      problems.push(`${where}.environment must name an environment, e.g. dev.`);
      return;
    }
    if (targets.some((t) => t.name === name)) {
      problems.push(`${where}.name "${name}" is used twice.`);
      return;
    }
    targets.push({ name, url: url.replace(/\/+$/, ""), environment });
  });
  return { targets, problems };
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

/** SecretStorage key for a target's token: per URL, so renaming a target keeps the sign-in. */
export function tokenKey(target: EngineTarget): string {
  return `messagefoundry.token:${target.url}`;
}
