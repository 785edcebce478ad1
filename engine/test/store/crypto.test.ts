import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  aesGcmCodec,
  BodyDecodeError,
  codecFromEnv,
  generateStoreKey,
  makeStoreKey,
  parseStoreKey,
  plainCodec,
  rotateKey,
  StoreKeyError,
} from "../../src/store/index.js";
import { adt, buf, type TempStore, tempStore } from "./helpers.js";

const MARKER = "ZZMARKERQX";

/** Every byte of the database file and its WAL/SHM side files. */
function fileBytes(t: TempStore): Buffer {
  return Buffer.concat(
    readdirSync(t.dir)
      .filter((f) => f.startsWith("store.db"))
      .map((f) => readFileSync(join(t.dir, f))),
  );
}

/** Sends a message whose body, transformed payload and reply all carry the marker. */
async function flowWithMarker(t: TempStore): Promise<number> {
  const owner = "w";
  const claim = { owner, limit: 10, leaseMs: 60_000 };
  const { messageId } = await t.store.enqueueIngress({
    inbound: "IB_M",
    raw: buf(adt("M1", { family: MARKER })),
  });
  const ing = await t.store.claimIngress("IB_M", claim);
  await t.store.completeRouting(owner, [{ rowId: ing[0]?.rowId ?? 0, handlers: ["h"] }]);
  const routed = await t.store.claimRouted("IB_M", claim);
  const out = Buffer.from(
    (routed[0]?.payload ?? Buffer.alloc(0)).toString("latin1").replace("PID|", "PID|X"),
  );
  await t.store.completeTransform(owner, [
    { rowId: routed[0]?.rowId ?? 0, sends: [{ outbound: "OB_M", payload: out }] },
  ]);
  const del = await t.store.claimOutbound("OB_M", claim);
  await t.store.completeDelivery(owner, [
    { rowId: del[0]?.rowId ?? 0, status: "ok", reply: buf(`MSA|AA|${MARKER}`) },
  ]);
  return messageId;
}

describe("encryption at rest", () => {
  let t: TempStore | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it("a marker sent in a message never appears in the SQLite file or its WAL", async () => {
    t = tempStore();
    const id = await flowWithMarker(t);
    assert.ok(readdirSync(t.dir).includes("store.db-wal"));
    assert.equal(fileBytes(t).includes(MARKER), false);
    // ...while the store itself still reads everything back.
    assert.ok((await t.store.getMessageRaw(id))?.toString("latin1").includes(MARKER));
    await t.store.close();
    assert.equal(fileBytes(t).includes(MARKER), false);
  });

  it("a marker quoted in error texts never appears in the SQLite file either", async () => {
    t = tempStore();
    const r = await t.store.recordRejected({
      inbound: "IB_E",
      raw: buf("{"),
      error: `bad JSON near ${MARKER}`,
    });
    await t.store.close();
    assert.equal(fileBytes(t).includes(MARKER), false);
    const store = t.reopen();
    assert.equal((await store.getMessage(r.messageId))?.error, `bad JSON near ${MARKER}`);
  });

  it("the same flow with the insecure pass-through codec does leak the marker (the check can fail)", async () => {
    t = tempStore(plainCodec());
    await flowWithMarker(t);
    assert.equal(fileBytes(t).includes(MARKER), true);
  });

  it("binds each ciphertext to its row and key", () => {
    const key = makeStoreKey(randomBytes(32));
    const codec = aesGcmCodec(key);
    const sealed = codec.encode(buf("HELLO"), "messages:1");
    assert.equal(codec.decode(sealed, "messages:1").toString(), "HELLO");
    assert.throws(() => codec.decode(sealed, "messages:2"), BodyDecodeError);
    assert.throws(
      () => aesGcmCodec(makeStoreKey(randomBytes(32))).decode(sealed, "messages:1"),
      /not configured/,
    );
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    assert.throws(() => codec.decode(tampered, "messages:1"), /authentication failed/);
    assert.throws(() => plainCodec().decode(sealed, "messages:1"), /without a store key/);
  });

  it("with a key configured, refuses a plaintext row (tamper bypass) unless migrating", () => {
    const codec = aesGcmCodec(makeStoreKey(randomBytes(32)));
    const plain = plainCodec().encode(buf("MSH|FORGED"), "messages:1");
    assert.throws(() => codec.decode(plain, "messages:1"), /not encrypted, but a store key is configured/);
    const migrating = aesGcmCodec(makeStoreKey(randomBytes(32)), [], { allowPlaintext: true });
    assert.equal(migrating.decode(plain, "messages:1").toString(), "MSH|FORGED");
    const k = generateStoreKey();
    assert.throws(() => codecFromEnv({ MEFOR_STORE_KEY: k }).decode(plain, "messages:1"), BodyDecodeError);
    assert.equal(
      codecFromEnv({ MEFOR_STORE_KEY: k }, { allowPlaintext: true }).decode(plain, "messages:1").toString(),
      "MSH|FORGED",
    );
  });

  it("rotateKey encrypts the bodies of a store that ran insecure (the explicit migration)", async () => {
    t = tempStore(plainCodec());
    const id = await flowWithMarker(t);
    await t.store.close();
    const key = makeStoreKey(randomBytes(32));
    t.codec = aesGcmCodec(key);
    const store = t.reopen();
    await assert.rejects(store.getMessageRaw(id), /not encrypted/);
    assert.ok((await rotateKey(store, [], key)) >= 3);
    assert.ok((await store.getMessageRaw(id))?.toString("latin1").includes(MARKER));
  });

  it("parses MEFOR_STORE_KEY and refuses to run without one unless insecure", () => {
    const k = generateStoreKey();
    assert.equal(parseStoreKey(k).key.length, 32);
    assert.throws(() => parseStoreKey("not base64!"), StoreKeyError);
    assert.throws(() => parseStoreKey(Buffer.alloc(16).toString("base64")), /16 bytes; it must be 32/);
    assert.throws(() => codecFromEnv({}), /MEFOR_STORE_KEY is not set/);
    assert.equal(codecFromEnv({}, { insecure: true }).encrypted, false);
    assert.equal(codecFromEnv({ MEFOR_STORE_KEY: k }).encrypted, true);
    assert.throws(() => codecFromEnv({ MEFOR_STORE_KEY: k, MEFOR_STORE_OLD_KEYS: "short" }), /OLD_KEYS\[0\]/);
  });

  it("rotates every body to a new key in batches; afterwards the old key is not needed", async () => {
    const oldKey = makeStoreKey(randomBytes(32));
    const newKey = makeStoreKey(randomBytes(32));
    t = tempStore(aesGcmCodec(oldKey));
    const id = await flowWithMarker(t);
    const rowsBefore = await t.store.getMessage(id);
    const changed = await rotateKey(t.store, [oldKey], newKey, { batchSize: 1 });
    // raw + outbound payload + delivery reply, then the sealed history details
    assert.equal(changed, 3 + (rowsBefore?.history.length ?? 0));
    await t.store.close();
    t.codec = aesGcmCodec(newKey);
    const store = t.reopen();
    assert.ok((await store.getMessageRaw(id))?.toString("latin1").includes(MARKER));
    const outRow = rowsBefore?.rows.find((r) => r.stage === "outbound");
    assert.ok((await store.getRowPayload(outRow?.id ?? 0))?.toString("latin1").includes("PID|X"));
    assert.equal((await store.getRowReply(outRow?.id ?? 0))?.toString(), `MSA|AA|${MARKER}`);
    assert.deepEqual(
      (await store.getMessage(id))?.history.map((e) => e.detail),
      rowsBefore?.history.map((e) => e.detail),
    );
    assert.equal(await rotateKey(store, [oldKey], newKey), 0);
  });
});
