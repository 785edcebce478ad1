/**
 * `messagefoundry key generate|rotate`: store keys for encryption at rest. `rotate` re-encrypts every
 * body under MEFOR_STORE_KEY (the new key), reading with MEFOR_STORE_OLD_KEYS, in small batches so a
 * running engine keeps flowing; plaintext bodies from a development run are encrypted too.
 */

import { existsSync } from "node:fs";
import type { Command } from "commander";
import { openRuntimeStore } from "../runtime/runtime-store.js";
import { aesGcmCodec, generateStoreKey, parseStoreKey, rotateKey, StoreKeyError } from "../store/index.js";
import { type StoreFlags, storeOptions, storeSettingsOf } from "./db.js";
import { type CliIo, EXIT, UserError } from "./io.js";

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program.command("key").description("Store encryption keys (MEFOR_STORE_KEY).");
  cmd
    .command("generate")
    .description("Print a new random store key (base64 of 32 bytes) for MEFOR_STORE_KEY")
    .action(() => {
      io.out(`${generateStoreKey()}\n`);
      setExit(EXIT.OK);
    });
  storeOptions(
    cmd
      .command("rotate")
      .description(
        "Re-encrypt stored bodies under MEFOR_STORE_KEY; old keys in MEFOR_STORE_OLD_KEYS (comma-separated)",
      ),
  )
    .option("--batch <n>", "bodies per transaction", "500")
    .action(async (opts: StoreFlags & { batch: string }) => {
      const batchSize = Number(opts.batch);
      if (!Number.isInteger(batchSize) || batchSize < 1)
        throw new UserError("--batch must be a positive integer");
      let newKey: ReturnType<typeof parseStoreKey>;
      let oldKeys: ReturnType<typeof parseStoreKey>[];
      try {
        const current = io.env.MEFOR_STORE_KEY;
        if (!current) throw new StoreKeyError("MEFOR_STORE_KEY (the new key) is not set");
        newKey = parseStoreKey(current);
        oldKeys = (io.env.MEFOR_STORE_OLD_KEYS ?? "")
          .split(",")
          .filter((s) => s.trim() !== "")
          .map((s, i) => parseStoreKey(s, `MEFOR_STORE_OLD_KEYS[${i}]`));
      } catch (error) {
        throw new UserError((error as Error).message);
      }
      const settings = storeSettingsOf(io, opts);
      if (settings.backend === "sqlite" && !existsSync(settings.path))
        throw new UserError(`database not found: ${opts.db ?? settings.path}`);
      const runtime = await openRuntimeStore(settings, { codec: aesGcmCodec(newKey, oldKeys) }).catch(
        (error: unknown) => {
          throw new UserError(`cannot open the store: ${(error as Error).message}`);
        },
      );
      try {
        const changed = await rotateKey(runtime.store, oldKeys, newKey, { batchSize });
        io.out(`re-encrypted ${changed} bodies under key ${newKey.id}\n`);
        // TOTP secrets are sealed with the same key: re-sealed so logins survive dropping the old key.
        const mfa = await runtime.auth.transaction((tx) => tx.resealSecrets());
        io.out(`re-sealed ${mfa.sealed} TOTP secrets\n`);
        if (mfa.unreadable.length > 0) {
          io.err(
            `warning: the TOTP secrets of ${mfa.unreadable.join(", ")} were sealed with a key not in MEFOR_STORE_OLD_KEYS; ` +
              "add it and rotate again, or re-enrol with `messagefoundry user mfa NAME --db FILE` (or `--settings FILE`)\n",
          );
        }
      } finally {
        await runtime.close();
      }
      setExit(EXIT.OK);
    });
}
