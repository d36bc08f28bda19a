// The example Express app: a vastai-signed webhook route on the in-memory store, or on Redis when
// REDIS_URL is set, and a second route in queue mode for slow handlers (in-process MemoryQueue).
import { createReceiver, MemoryQueue, MemoryStore, schemes } from "@hooks/core";
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
  slowWork = async () => new Promise((resolve) => setTimeout(resolve, 1500)),
  queueOptions = { attempts: 3, backoffMs: 1000 },
  logger, // where the receivers log failures and refusals; default: the console
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
  const receiver = createReceiver({ scheme: schemes.vastai, secret, store, maxBodyBytes, logger });
  receiver.on("instance.*", async (event, { signal }) => {
    await work(event, { signal });
    handled.set(event.id, (handled.get(event.id) ?? 0) + 1);
  });

  // Queue mode: /webhooks/slow answers 202 once the event is queued, and a worker in this process
  // runs the slow handler with retries. MemoryQueue is for development (not durable): in
  // production use @hooks/bullmq and run workers as separate processes.
  const queue = new MemoryQueue({ concurrency: 4, ...queueOptions });
  const slowReceiver = createReceiver({ scheme: schemes.vastai, secret, store, maxBodyBytes, queue, logger });
  slowReceiver.on("report.*", async (event, { signal }) => {
    await slowWork(event, { signal });
    handled.set(event.id, (handled.get(event.id) ?? 0) + 1);
  });
  const worker = queue.work(slowReceiver);

  const app = express();
  app.post("/webhooks", webhooks(receiver)); // before any body parser: it needs the raw bytes
  app.post("/webhooks/slow", webhooks(slowReceiver));
  app.use(express.json());
  app.get("/handled", (_req, res) => res.json(Object.fromEntries(handled)));
  app.get("/dead-letters", (_req, res) =>
    res.json(queue.deadLetters().map(({ event, attempts, error }) => ({ id: event.id, attempts, error: `${error}` }))),
  );
  const close = async () => {
    await worker.close({ timeoutMs: 5000 });
    await quit();
  };
  return { app, handled, queue, store: redisUrl ? "redis" : "memory", close };
}
