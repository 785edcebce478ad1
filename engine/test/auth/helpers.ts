/** Shared fixtures: a real SQLite file in a temp dir, a hand-driven clock, cheap argon2 cost. */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { TOTP } from "otpauth";
import {
  type AuthPolicy,
  AuthService,
  type Role,
  SqliteAuthRepository,
  UserAdmin,
} from "../../src/auth/index.js";

/** Still argon2id, just cheap enough for dozens of hashes per test file. */
export const CHEAP_HASH: AuthPolicy["hash"] = { memoryCost: 4096, timeCost: 1, parallelism: 1 };

export const PASSWORD = "correct-horse-battery";

export class Clock {
  t = Date.UTC(2026, 0, 15, 9, 0, 0);
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface Fixture {
  dir: string;
  file: string;
  db: Database.Database;
  repo: SqliteAuthRepository;
  clock: Clock;
  auth: AuthService;
  users: UserAdmin;
  cleanup(): void;
}

export function tempDb(): { dir: string; file: string; db: Database.Database; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "mf-auth-"));
  const file = join(dir, "store.db");
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  return {
    dir,
    file,
    db,
    cleanup() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function setup(policy: Partial<AuthPolicy> = {}): Fixture {
  const t = tempDb();
  const clock = new Clock();
  const repo = new SqliteAuthRepository(t.db);
  const full = { hash: CHEAP_HASH, ...policy };
  return {
    ...t,
    repo,
    clock,
    auth: new AuthService(repo, { policy: full, now: clock.now }),
    users: new UserAdmin(repo, { policy: full, now: clock.now }),
  };
}

export async function addUser(f: Fixture, name: string, role: Role, password = PASSWORD): Promise<void> {
  await f.users.add("test-setup", name, role, password);
}

/** The code an authenticator app would show at `at` (ms), from the enrolment's base32 secret. */
export function totpAt(secret: string, at: number): string {
  return new TOTP({ secret, period: 30, digits: 6, algorithm: "SHA1" }).generate({ timestamp: at });
}

/** Asserts that `fn` rejects/throws an AuthError with `code`. */
export async function rejectsWith(fn: () => unknown, code: string): Promise<void> {
  const { rejects } = await import("node:assert/strict");
  await rejects(
    async () => fn(),
    (err: unknown) => {
      if ((err as { code?: unknown }).code !== code) {
        throw new Error(
          `expected ${code}, got ${(err as Error).name}: ${(err as { code?: string }).code} ${(err as Error).message}`,
        );
      }
      return true;
    },
  );
}
