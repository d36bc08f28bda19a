// A worker process killed with SIGKILL mid-job: BullMQ's stall detection hands the job to another
// worker process, which completes it, once.
import { type ChildProcess, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createReceiver, schemes } from "@hooks/core";
import { RedisStore } from "@hooks/redis";
import { sleep, until } from "@hooks/test-utils";
import { redisUrl } from "@hooks/test-utils/redis";
import { Redis } from "ioredis";
import { afterAll, expect, test } from "vitest";
import { BullMQQueue, jobIdOf } from "../src/index";
import { connection, delivery, SECRET } from "./helpers";

const redis = new Redis(redisUrl);
const prefix = `hooks-test:${randomUUID()}:`;
const name = `hooks-test-${randomUUID()}`;
const queue = new BullMQQueue({ connection, name });
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await queue.queue.obliterate({ force: true });
  await queue.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

type Message = { ready?: number; started?: string; attempt?: number; completed?: string; pid: number };

/** Starts a worker process; `hang` makes its handler wait until it is killed. */
async function startWorker(hang: boolean) {
  const messages: Message[] = [];
  const child = fork(fileURLToPath(new URL("./worker-process.mjs", import.meta.url)), {
    env: { ...process.env, QUEUE: name, PREFIX: prefix, REDIS_URL: redisUrl, SECRET, HANG: hang ? "1" : "0" },
  });
  children.push(child);
  child.on("message", (message: Message) => messages.push(message));
  const [exit] = await Promise.race([
    once(child, "exit"),
    (async () => {
      await until(() => messages.some((m) => m.ready !== undefined), { message: "the worker process to be ready" });
      return [undefined];
    })(),
  ]);
  if (exit !== undefined) throw new Error(`the worker process exited (${exit}) before it was ready`);
  return { child, messages };
}

test("SIGKILL mid-handler: after stall detection another process runs the job, and it completes once", async () => {
  const receiver = createReceiver({
    scheme: schemes.vastai,
    secret: SECRET,
    store: new RedisStore(redis, { prefix: `${prefix}store:` }),
    queue,
  });
  receiver.on("resource.created", () => {});
  const first = await startWorker(true);
  const answer = await receiver.receive(await delivery("evt_crash"));
  expect([answer.status, JSON.parse(answer.body).code]).toEqual([202, "queued"]);
  await until(() => first.messages.some((m) => m.started === "evt_crash"), {
    message: "the first process to start the job",
  });
  expect(await queue.queue.getJobState(jobIdOf("vastai:evt_crash"))).toBe("active");

  first.child.kill("SIGKILL");
  await once(first.child, "exit");
  const second = await startWorker(false);
  await until(() => second.messages.some((m) => m.completed === "evt_crash"), {
    message: "the second process to complete it",
    timeoutMs: 60_000,
  });
  await until(async () => (await queue.queue.getJobState(jobIdOf("vastai:evt_crash"))) === "completed", {
    message: "the job to be completed",
  });
  await sleep(1500); // a stray second run would have started by now
  expect(Number(await redis.get(`${prefix}completed:evt_crash`))).toBe(1);
  expect(first.messages.filter((m) => m.completed)).toEqual([]);
  expect(second.messages.filter((m) => m.started === "evt_crash")).toHaveLength(1);
  const job = await queue.queue.getJob(jobIdOf("vastai:evt_crash"));
  // A stall is not a failed attempt: the job went back to wait, not through the backoff, and the
  // second process's run was still the first attempt (BullMQ counts the finished run itself).
  expect(first.messages.find((m) => m.started)?.attempt).toBe(1);
  expect(second.messages.find((m) => m.started)?.attempt).toBe(1);
  expect(job?.stalledCounter).toBe(1);
  expect(job?.attemptsMade).toBe(1);
  expect(job?.returnvalue).toBe("processed");
  second.child.disconnect();
  await once(second.child, "exit");
});
