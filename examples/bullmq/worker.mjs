// A worker process: runs queued events with the same receiver. Start as many as you need.
// `HOOKS_SECRET=… node worker.mjs`; SIGTERM finishes running handlers (or hands them back) and exits.
import { createWorker } from "@hooks/bullmq";
import { connection, queueName, receiver, redis } from "./receiver.mjs";

const worker = createWorker({
  receiver,
  connection,
  name: queueName,
  concurrency: Number(process.env.CONCURRENCY ?? 8),
  onError: (error) => console.error(`worker ${process.pid}: ${error.message}`),
});
await worker.worker.waitUntilReady();
console.log(`worker ${process.pid} running ${queueName}`);
process.send?.({ ready: process.pid });

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await worker.close({ timeoutMs: Number(process.env.SHUTDOWN_MS ?? 25_000) });
    redis.disconnect();
    console.log(`worker ${process.pid} stopped`);
    process.exit(0);
  });
}
