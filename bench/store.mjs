// Store benchmark: claim + complete per event against the local Redis, @hooks/redis vs the same
// Lua scripts sent by hand vs naive EXISTS + SET, on ioredis and node-redis, at a few concurrencies.
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { RedisStore } from "@hooks/redis";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { int, ratio, table } from "./common.mjs";

const URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const LEASE_MS = 30_000;
const RETENTION_MS = 7 * 24 * 3600 * 1000;
const FINGERPRINT = createHash("sha256").update("body").digest("base64");

// The scripts @hooks/redis runs, read from its source so "the same commands by hand" cannot drift.
const source = readFileSync(`${import.meta.dirname}/../packages/redis/src/index.ts`, "utf8");
const script = (name) => {
  const found = new RegExp(`const ${name} = \`([^\`]*)\`;`).exec(source);
  if (!found) throw new Error(`bench/store.mjs: no ${name} script in packages/redis/src/index.ts`);
  return found[1];
};
const CLAIM = script("CLAIM");
const COMPLETE = script("COMPLETE");

/** The ways to claim + complete one event, for one client. */
async function methodsFor(kind, prefix) {
  let client;
  let claim;
  let complete;
  let exists;
  let set;
  if (kind === "ioredis") {
    client = new Redis(URL);
    const claimSha = await client.script("LOAD", CLAIM);
    const completeSha = await client.script("LOAD", COMPLETE);
    claim = (k, token) => client.evalsha(claimSha, 1, k, FINGERPRINT, token, String(LEASE_MS));
    complete = (k, token) => client.evalsha(completeSha, 1, k, token, String(RETENTION_MS));
    exists = (k) => client.exists(k);
    set = (k) => client.set(k, "1", "PX", RETENTION_MS);
  } else {
    client = await createClient({ url: URL }).connect();
    const claimSha = await client.scriptLoad(CLAIM);
    const completeSha = await client.scriptLoad(COMPLETE);
    claim = (k, token) => client.evalSha(claimSha, { keys: [k], arguments: [FINGERPRINT, token, String(LEASE_MS)] });
    complete = (k, token) => client.evalSha(completeSha, { keys: [k], arguments: [token, String(RETENTION_MS)] });
    exists = (k) => client.exists(k);
    set = (k) => client.set(k, "1", { PX: RETENTION_MS });
  }
  const byHand = (guard) => async (key) => {
    const token = randomUUID();
    if ((await guard(() => claim(prefix + key, token))) !== 0) throw new Error("claim");
    await guard(() => complete(prefix + key, token));
  };
  return {
    client,
    quit: () => client.quit(),
    "@hooks/redis": storeMethod(new RedisStore(client, { prefix, logger: { warn() {} } })),
    "same scripts by hand": byHand((send) => send()),
    "by hand + per-call timeout": byHand(withTimeout),
    "naive EXISTS + SET": async (key) => {
      if (await exists(prefix + key)) throw new Error("exists");
      await set(prefix + key);
    },
  };
}

/** A 2 s timeout around one call, the way @hooks/redis guards each call (to see what that costs). */
function withTimeout(send) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), 2000);
    timer.unref();
    new Promise((sent) => sent(send())).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function storeMethod(store) {
  return async (key) => {
    const claim = await store.claim({ key, fingerprint: FINGERPRINT, leaseMs: LEASE_MS });
    if (claim.status !== "acquired") throw new Error(`claim: ${claim.status}`);
    await store.complete({ key, token: claim.token, retentionMs: RETENTION_MS });
  };
}

/** Events per second of `method` over `events` fresh ids with `concurrency` in flight. */
async function measure(method, events, concurrency, tag) {
  let next = 0;
  const worker = async () => {
    while (next < events) await method(`${tag}:${next++}`);
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return events / ((performance.now() - start) / 1000);
}

async function deletePrefix(client, prefix) {
  const keys = await client.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 500) await client.del(keys.slice(i, i + 500));
}

const METHODS = ["@hooks/redis", "same scripts by hand", "by hand + per-call timeout", "naive EXISTS + SET"];

/** Runs the store benchmark. */
export async function runStore({ quick }) {
  const events = quick ? 100 : 4000;
  const concurrencies = [1, 16, 64];
  const prefix = `bench:${process.pid}:`;
  const results = [];
  for (const kind of ["ioredis", "node-redis"]) {
    const methods = await methodsFor(kind, prefix);
    try {
      for (const concurrency of concurrencies) {
        const row = { kind, concurrency };
        // Best of two runs per cell, after a warm-up: the machine is shared and noisy.
        for (const name of METHODS) {
          await measure(methods[name], Math.min(events, 200), concurrency, `warm:${name}:${concurrency}`);
          const a = await measure(methods[name], events, concurrency, `${name}:${concurrency}:a`);
          const b = await measure(methods[name], events, concurrency, `${name}:${concurrency}:b`);
          row[name] = Math.max(a, b);
        }
        results.push(row);
      }
    } finally {
      await deletePrefix(methods.client, prefix);
      await methods.quit();
    }
  }
  const rows = results.map((r) => [
    r.kind,
    `${r.concurrency}`,
    int(r["@hooks/redis"]),
    int(r["same scripts by hand"]),
    int(r["by hand + per-call timeout"]),
    int(r["naive EXISTS + SET"]),
    ratio(r["@hooks/redis"], r["same scripts by hand"]),
    ratio(r["by hand + per-call timeout"], r["same scripts by hand"]),
    ratio(r["@hooks/redis"], r["naive EXISTS + SET"]),
  ]);
  const markdown = table(
    [
      "client",
      "in flight",
      "@hooks/redis events/s",
      "same scripts by hand",
      "by hand + per-call timeout",
      "naive EXISTS + SET",
      "@hooks/redis × by hand",
      "timeout × by hand",
      "@hooks/redis × naive",
    ],
    rows,
  );
  return { markdown, results, events };
}
