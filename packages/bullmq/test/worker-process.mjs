// A worker process for the crash test: runs queued events from the BullMQ queue named in the
// environment. The handler reports its start to the parent, then either hangs (HANG=1: the process
// is about to be killed) or counts its completion in Redis.
import { createReceiver, schemes } from "@hooks/core";
import { RedisStore } from "@hooks/redis";
import { Redis } from "ioredis";

let bullmq;
try {
  bullmq = await import("@hooks/bullmq");
} catch (error) {
  throw new Error(`build @hooks/bullmq first (pnpm build): ${error.message}`);
}
const { QUEUE, PREFIX, REDIS_URL, HANG, SECRET } = process.env;
const redis = new Redis(REDIS_URL);
const receiver = createReceiver({
  scheme: schemes.vastai,
  secret: SECRET,
  store: new RedisStore(redis, { prefix: `${PREFIX}store:` }),
  leaseSeconds: 2,
});
receiver.on("resource.created", async (event, context) => {
  process.send?.({ started: event.id, attempt: context.job?.attempt, pid: process.pid });
  if (HANG === "1") await new Promise((resolve) => setTimeout(resolve, 120_000));
  await redis.incr(`${PREFIX}completed:${event.id}`);
  process.send?.({ completed: event.id, pid: process.pid });
});
const worker = bullmq.createWorker({
  receiver,
  connection: { url: REDIS_URL, maxRetriesPerRequest: null },
  name: QUEUE,
  lockDurationMs: 1000,
  stalledIntervalMs: 500,
});
await worker.worker.waitUntilReady();
process.send?.({ ready: process.pid });
process.on("disconnect", async () => {
  await worker.close({ timeoutMs: 1000 });
  redis.disconnect();
});
