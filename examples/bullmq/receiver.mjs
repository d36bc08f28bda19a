// The one module both processes import: the receiver, its store and queue, and the handlers. The
// web process uses it to verify and hand off; the workers use it to run the handlers.
import { BullMQQueue } from "@hooks/bullmq";
import { createReceiver, schemes } from "@hooks/core";
import { RedisStore } from "@hooks/redis";
import { Redis } from "ioredis";

const secret = process.env.HOOKS_SECRET;
if (!secret) {
  console.error("set HOOKS_SECRET to the signing secret, e.g. HOOKS_SECRET=dev-secret");
  process.exit(1);
}
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const name = process.env.QUEUE ?? "hooks-example";

export const redis = new Redis(redisUrl);
export const connection = { url: redisUrl, maxRetriesPerRequest: null };
export const queueName = name;
export const queue = new BullMQQueue({ connection, name, attempts: 4, backoffMs: 2000 });

export const receiver = createReceiver({
  scheme: schemes.vastai,
  secret,
  store: new RedisStore(redis, { prefix: `hooks:example:${name}:` }),
  leaseSeconds: 60, // the longest one report may take
  queue,
  onOutcome: ({ code, id, type, job, error }) => {
    const where = job ? `worker ${process.pid}, run ${job.attempt}/${job.maxAttempts}` : `web ${process.pid}`;
    console.log(`${where}: ${type ?? "-"} ${id ?? "-"} ${code}${error ? ` (${error.message ?? error})` : ""}`);
  },
});

// A slow handler: longer than GitHub (10 s) or Shopify (5 s) would wait for an answer.
const REPORT_MS = Number(process.env.REPORT_MS ?? 12_000);
receiver.on("report.*", async (event, { signal }) => {
  await new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, REPORT_MS);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
  // Your side effect here; the example counts completions so you (and its test) can see each once.
  await redis.hincrby(`hooks:example:${name}:completed`, event.id, 1);
});
