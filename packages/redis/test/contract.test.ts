// The core's idempotency contract against a real Redis, on ioredis and on node-redis.
import { randomUUID } from "node:crypto";
import { idempotencyStoreContract } from "@hooks/core/testing";
import { sleep } from "@hooks/test-utils";
import { redisUrl } from "@hooks/test-utils/redis";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RedisStore } from "../src/index";

const prefix = `hooks-test:${randomUUID()}:`;
const ioredis = new Redis(redisUrl, { lazyConnect: true });
const nodeRedis = createClient({ url: redisUrl });

beforeAll(async () => {
  await ioredis.connect();
  await nodeRedis.connect();
});

afterAll(async () => {
  const keys = await ioredis.keys(`${prefix}*`);
  if (keys.length > 0) await ioredis.del(...keys);
  await ioredis.quit();
  await nodeRedis.quit();
});

const clients = [
  ["ioredis", () => ioredis],
  ["node-redis", () => nodeRedis],
] as const;

for (const [name, client] of clients) {
  describe(`RedisStore on ${name}`, () => {
    let store: RedisStore;
    beforeAll(() => {
      store = new RedisStore(client(), { prefix: `${prefix}${name}:` });
    });

    for (const contractCase of idempotencyStoreContract) {
      test(contractCase.name, () => contractCase.run({ store, wait: sleep, key: (k) => `${randomUUID()}:${k}` }));
    }

    test("keeps one hash per event under the prefix, expiring with the lease", async () => {
      const key = randomUUID();
      const claim = await store.claim({ key, fingerprint: "f1", leaseMs: 5000 });
      expect(claim.status).toBe("acquired");
      const full = `${prefix}${name}:${key}`;
      expect(await ioredis.type(full)).toBe("hash");
      const ttl = await ioredis.pttl(full);
      expect(ttl).toBeGreaterThan(4000);
      expect(ttl).toBeLessThanOrEqual(5000);
    });

    test("reloads its scripts after SCRIPT FLUSH", async () => {
      await ioredis.script("FLUSH");
      const key = randomUUID();
      const claim = await store.claim({ key, fingerprint: "f1", leaseMs: 5000 });
      expect(claim.status).toBe("acquired");
      if (claim.status === "acquired")
        expect(await store.complete({ key, token: claim.token, retentionMs: 5000 })).toBe(true);
      expect((await store.claim({ key, fingerprint: "f1", leaseMs: 5000 })).status).toBe("completed");
    });

    test("check() reads maxmemory-policy without warning on noeviction", async () => {
      const warnings: string[] = [];
      const checked = new RedisStore(client(), { logger: { warn: (m) => warnings.push(m) } });
      const policy = await checked.check();
      expect(policy).toBe("noeviction");
      expect(warnings).toEqual([]);
    });
  });
}

test("a client of another shape is refused with a message naming the supported clients", () => {
  expect(() => new RedisStore({} as never)).toThrow(/ioredis.*node-redis/);
});
