// Memory benchmark: bytes per remembered event id in MemoryStore (heap delta) and in Redis (MEMORY USAGE).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { RedisStore } from "@hooks/redis";
import { Redis } from "ioredis";
import { int, table } from "./common.mjs";

const CHILD = fileURLToPath(new URL("memory-child.mjs", import.meta.url));

/** Average MEMORY USAGE of `count` completed events stored by @hooks/redis, and of naive SET keys. */
async function redisBytes(count) {
  const client = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const prefix = "hooks:idempotency:"; // the default prefix, as users run it
  const naivePrefix = `bench:naive:${process.pid}:`;
  const store = new RedisStore(client, { logger: { warn() {} } });
  const fingerprint = createHash("sha256").update("body").digest("base64");
  const keys = Array.from({ length: count }, (_, i) => `vastai:evt_${process.pid}_${String(i).padStart(20, "0")}`);
  try {
    let total = 0;
    let naive = 0;
    for (const key of keys) {
      const claim = await store.claim({ key, fingerprint, leaseMs: 30_000 });
      await store.complete({ key, token: claim.token, retentionMs: 7 * 24 * 3600 * 1000 });
      total += Number(await client.call("MEMORY", "USAGE", prefix + key, "SAMPLES", "0"));
      await client.set(naivePrefix + key, "1", "PX", 7 * 24 * 3600 * 1000);
      naive += Number(await client.call("MEMORY", "USAGE", naivePrefix + key, "SAMPLES", "0"));
    }
    return { hooks: total / count, naive: naive / count, keyLength: (prefix + keys[0]).length };
  } finally {
    for (let i = 0; i < keys.length; i += 500) {
      const slice = keys.slice(i, i + 500);
      await client.del(
        slice.map((k) => prefix + k),
        slice.map((k) => naivePrefix + k),
      );
    }
    await client.quit();
  }
}

/** Runs the memory benchmark. */
export async function runMemory({ quick }) {
  const count = quick ? 2000 : 100_000;
  const heap = JSON.parse(execFileSync(process.execPath, ["--expose-gc", CHILD, String(count)], { encoding: "utf8" }));
  const redis = await redisBytes(quick ? 50 : 1000);
  const markdown = table(
    ["where", "bytes per remembered id", "how measured"],
    [
      [
        "MemoryStore",
        int(heap.bytesPerId),
        `V8 heap delta after gc over ${int(count)} completed ids (key \`vastai:\` + a 30-character id, 44-character fingerprint; both strings included, as the receiver makes them per delivery)`,
      ],
      [
        "Redis, @hooks/redis",
        int(redis.hooks),
        `MEMORY USAGE of ${quick ? 50 : 1000} completed events (${redis.keyLength}-character key with the default prefix); Redis's per-key expiry entry is extra`,
      ],
      [
        "Redis, naive SET key 1 PX",
        int(redis.naive),
        "MEMORY USAGE of the same keys written by the naive pattern, for comparison",
      ],
    ],
  );
  return { markdown, heap, redis };
}
