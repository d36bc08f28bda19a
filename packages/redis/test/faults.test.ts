// A private redis-server that pauses, stops and evicts: the store answers StoreUnavailableError, the receiver 503.

import { randomUUID } from "node:crypto";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createReceiver, StoreUnavailableError, schemes } from "@hooks/core";
import { webhooks } from "@hooks/express";
import { eventDelivery, postDelivery as post, sleep } from "@hooks/test-utils";
import { freePort, type RedisServer, startRedisServer } from "@hooks/test-utils/redis";
import express from "express";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type IoredisLike, type NodeRedisLike, RedisStore } from "../src/index";

const SECRET = "redis-store-test-secret";
const delivery = (id: string) => eventDelivery(id, { secret: SECRET });

let redisServer: RedisServer;
let port: number;
let ioredis: Redis;
let nodeRedis: ReturnType<typeof createClient>;
const errors: unknown[] = [];

beforeAll(async () => {
  redisServer = await startRedisServer();
  port = redisServer.port;
  ioredis = new Redis({ host: "127.0.0.1", port, lazyConnect: true, retryStrategy: () => 100 });
  ioredis.on("error", (error) => errors.push(error));
  await ioredis.connect();
  nodeRedis = createClient({ socket: { host: "127.0.0.1", port, reconnectStrategy: () => 100 } });
  nodeRedis.on("error", (error) => errors.push(error));
  await nodeRedis.connect();
});

afterAll(async () => {
  ioredis?.disconnect();
  if (nodeRedis?.isOpen) nodeRedis.destroy();
  await redisServer?.stop();
});

const clients: [string, () => IoredisLike | NodeRedisLike][] = [
  ["ioredis", () => ioredis],
  ["node-redis", () => nodeRedis],
];

/** Runs `command` on a connection of its own, so the clients under test are not blocked by it. */
async function admin(...command: string[]): Promise<unknown> {
  const connection = new Redis({ host: "127.0.0.1", port });
  try {
    return await connection.call(command[0] as string, ...command.slice(1));
  } finally {
    connection.disconnect();
  }
}

describe.each(clients)("on %s", (_name, client) => {
  test("a Redis that does not answer within timeoutMs makes claim throw StoreUnavailableError", async () => {
    const store = new RedisStore(client(), { timeoutMs: 300 });
    await store.check();
    await admin("CLIENT", "PAUSE", "1000", "ALL");
    const key = randomUUID();
    const started = Date.now();
    await expect(store.claim({ key, fingerprint: "f", leaseMs: 60_000 })).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(800);
    // The abandoned claim still runs once the pause ends; the store releases what it acquired, so
    // the sender's retry is not told 409 for a whole lease that nobody holds.
    let status = "";
    for (let attempt = 0; attempt < 40 && status !== "acquired"; attempt++) {
      await sleep(100);
      status = (await store.claim({ key, fingerprint: "f", leaseMs: 60_000 }).catch(() => ({ status: "" }))).status;
    }
    expect(status).toBe("acquired");
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test("check() warns loudly unless maxmemory-policy is noeviction", async () => {
    await admin("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
    try {
      const warnings: string[] = [];
      const store = new RedisStore(client(), { logger: { warn: (m) => warnings.push(m) } });
      expect(await store.check()).toBe("allkeys-lru");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/maxmemory-policy is "allkeys-lru".*run twice.*noeviction/);
    } finally {
      await admin("CONFIG", "SET", "maxmemory-policy", "noeviction");
    }
  });

  test("Redis stopped mid-run: deliveries get 503 and no handler runs; after a restart the retries succeed", async () => {
    const runs: string[] = [];
    const receiver = createReceiver({
      scheme: schemes.vastai,
      secret: SECRET,
      store: new RedisStore(client(), { timeoutMs: 500, prefix: `faults:${randomUUID()}:` }),
    });
    receiver.on("resource.created", async (event) => {
      runs.push(event.id);
    });
    const app = express();
    app.post("/hooks", webhooks(receiver));
    const server: Server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    try {
      expect((await post(url, await delivery("evt_before"))).status).toBe(200);
      await redisServer.stop();
      const during = await Promise.all(
        ["evt_a", "evt_b", "evt_before"].map(async (id) => post(url, await delivery(id))),
      );
      expect(during.map((answer) => [answer.status, answer.code])).toEqual([
        [503, "store_unavailable"],
        [503, "store_unavailable"],
        [503, "store_unavailable"],
      ]);
      expect(runs).toEqual(["evt_before"]);
      redisServer = await startRedisServer({ port });
      // The sender retries until the client has reconnected.
      for (const id of ["evt_a", "evt_b"]) {
        let status = 0;
        for (let attempt = 0; attempt < 40 && status !== 200; attempt++) {
          status = (await post(url, await delivery(id))).status;
          if (status !== 200) await sleep(100);
        }
        expect(status).toBe(200);
      }
      expect(runs).toEqual(["evt_before", "evt_a", "evt_b"]);
      // A retry of the first event: Redis was restarted without persistence, so only the new ones are remembered.
      expect((await post(url, await delivery("evt_a"))).code).toBe("duplicate");
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});

test("a node-redis client that was never connected makes claim throw StoreUnavailableError", async () => {
  const warnings: string[] = [];
  const store = new RedisStore(createClient({ url: `redis://127.0.0.1:${port}` }), {
    logger: { warn: (m) => warnings.push(m) },
  });
  await expect(store.claim({ key: randomUUID(), fingerprint: "f", leaseMs: 5000 })).rejects.toBeInstanceOf(
    StoreUnavailableError,
  );
  expect(warnings).toEqual([expect.stringMatching(/could not read Redis maxmemory-policy \(The client is closed\)/)]);
});

test("an ioredis client whose Redis is unreachable makes claim throw StoreUnavailableError after timeoutMs", async () => {
  const client = new Redis({ host: "127.0.0.1", port: await freePort(), retryStrategy: () => 100 });
  client.on("error", () => {});
  try {
    const store = new RedisStore(client, { timeoutMs: 300, logger: { warn: () => {} } });
    const started = Date.now();
    await expect(store.claim({ key: randomUUID(), fingerprint: "f", leaseMs: 5000 })).rejects.toThrow(
      /did not answer within 300 ms/,
    );
    expect(Date.now() - started).toBeLessThan(1000);
  } finally {
    client.disconnect();
  }
});
