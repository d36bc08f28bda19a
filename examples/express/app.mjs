// The example Express app: a vastai-signed webhook route on the in-memory store, or on Redis when REDIS_URL is set.
import { createReceiver, MemoryStore, schemes } from "@hooks/core";
import { webhooks } from "@hooks/express";
import express from "express";

/**
 * Builds the app. `work(event)` is what your handler would do (write to a database, call an API);
 * the demo passes one that fails once to show the sender's retry running the handler again.
 */
export async function createApp({
  secret,
  redisUrl = process.env.REDIS_URL,
  maxBodyBytes = 64 * 1024,
  work = async () => {},
} = {}) {
  let store = new MemoryStore();
  let quit = async () => {};
  if (redisUrl) {
    // Loaded only when asked for, so the in-memory example needs no Redis at all.
    const [{ RedisStore }, { Redis }] = await Promise.all([import("@hooks/redis"), import("ioredis")]);
    const client = new Redis(redisUrl);
    store = new RedisStore(client, { prefix: `hooks:example:${process.pid}:` });
    quit = async () => void (await client.quit());
  }

  const handled = new Map(); // event id → how many times its handler completed
  const receiver = createReceiver({ scheme: schemes.vastai, secret, store, maxBodyBytes });
  receiver.on("instance.*", async (event, { signal }) => {
    await work(event, { signal });
    handled.set(event.id, (handled.get(event.id) ?? 0) + 1);
  });

  const app = express();
  app.post("/webhooks", webhooks(receiver)); // before any body parser: it needs the raw bytes
  app.use(express.json());
  app.get("/handled", (_req, res) => res.json(Object.fromEntries(handled)));
  return { app, handled, store: redisUrl ? "redis" : "memory", close: quit };
}
