// @hooks/bullmq on a real Redis: hand-off, retries with backoff, dead letters and re-drive,
// graceful shutdown, a hand-off that cannot be stored.
import { randomUUID } from "node:crypto";
import { createReceiver, type EventProcessor, type Receiver, schemes } from "@hooks/core";
import { RedisStore } from "@hooks/redis";
import { sleep, until } from "@hooks/test-utils";
import { redisUrl } from "@hooks/test-utils/redis";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { BullMQQueue, createWorker, type HooksWorker, jobIdOf } from "../src/index";
import { connection, delivery, SECRET } from "./helpers";

const redis = new Redis(redisUrl);
const prefix = `hooks-test:${randomUUID()}:`;
const closers: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** A receiver in queue mode on a fresh BullMQ queue and a Redis store, plus a way to start workers. */
function setup(options: { attempts?: number; backoffMs?: number; leaseSeconds?: number } = {}) {
  const name = `hooks-test-${randomUUID()}`;
  const queue = new BullMQQueue({ connection, name, attempts: options.attempts, backoffMs: options.backoffMs });
  closers.push(async () => {
    await queue.queue.obliterate({ force: true });
    await queue.close();
  });
  const receiver = createReceiver<{ "resource.created": { n?: number } }>({
    scheme: schemes.vastai,
    secret: SECRET,
    store: new RedisStore(redis, { prefix: `${prefix}${name}:` }),
    leaseSeconds: options.leaseSeconds ?? 30,
    queue,
  });
  const work = (receiverForWorker: EventProcessor = receiver, concurrency = 1): HooksWorker => {
    const worker = createWorker({ receiver: receiverForWorker, connection, name, concurrency });
    closers.push(() => worker.close({ timeoutMs: 1000 }));
    return worker;
  };
  return { name, queue, receiver, work };
}

const code = async (receiver: Pick<Receiver, "receive">, id: string, data?: Record<string, unknown>) =>
  JSON.parse((await receiver.receive(await delivery(id, data))).body).code as string;

describe("the hand-off", () => {
  test("202 once BullMQ holds the job (id = the event key); a second hand-off of the same key adds nothing", async () => {
    const { queue, receiver } = setup();
    receiver.on("resource.created", () => {});
    const answer = await receiver.receive(await delivery("evt_h1"));
    expect([answer.status, JSON.parse(answer.body).code]).toEqual([202, "queued"]);
    const job = await queue.queue.getJob(jobIdOf("vastai:evt_h1"));
    expect(job?.data).toMatchObject({ key: "vastai:evt_h1", id: "evt_h1", type: "resource.created" });
    expect(job?.opts.attempts).toBe(5);
    // Straight to the queue, as a second receiver whose store lost the claim would do.
    await queue.enqueue(job!.data);
    expect(await queue.queue.getJobCounts("wait", "delayed", "active", "completed", "failed")).toEqual({
      wait: 1,
      delayed: 0,
      active: 0,
      completed: 0,
      failed: 0,
    });
    expect(await code(receiver, "evt_h1")).toBe("duplicate");
  });

  test("job ids keep every key apart and never hold ':'", () => {
    expect(jobIdOf("stripe:evt_1")).toBe("stripe%3Aevt_1");
    expect(jobIdOf("a:b%3Ac")).not.toBe(jobIdOf("a:b:c"));
    expect(decodeURIComponent(jobIdOf("github:8f1c-…"))).toBe("github:8f1c-…");
  });

  test("a queue that cannot store within timeoutMs: 503 queue_unavailable, and the sender's retry is taken later", async () => {
    const name = `hooks-test-${randomUUID()}`;
    // A port nothing listens on: BullMQ's client would wait for it indefinitely.
    const down = new BullMQQueue({
      connection: { host: "127.0.0.1", port: 1, maxRetriesPerRequest: null, lazyConnect: true },
      name,
      timeoutMs: 300,
    });
    const store = new RedisStore(redis, { prefix: `${prefix}${name}:` });
    const unreachable = createReceiver({ scheme: schemes.vastai, secret: SECRET, store, queue: down });
    unreachable.on("resource.created", () => {});
    const d = await delivery("evt_h2");
    const started = performance.now();
    const answer = await unreachable.receive(d);
    expect([answer.status, JSON.parse(answer.body).code]).toEqual([503, "queue_unavailable"]);
    expect(performance.now() - started).toBeLessThan(5000);
    await down.queue.disconnect().catch(() => {});

    // The claim was released: the same delivery, with a queue that works, is taken.
    const up = new BullMQQueue({ connection, name });
    closers.push(async () => {
      await up.queue.obliterate({ force: true });
      await up.close();
    });
    const working = createReceiver({ scheme: schemes.vastai, secret: SECRET, store, queue: up });
    working.on("resource.created", () => {});
    const retry = await working.receive(d);
    expect([retry.status, JSON.parse(retry.body).code]).toEqual([202, "queued"]);
  });
});

describe("workers", () => {
  test("a failing handler is retried with exponential backoff, dead-lettered with its last error, and re-driven", async () => {
    const { queue, receiver, work } = setup({ attempts: 3, backoffMs: 100 });
    const runs: { at: number; attempt: number | undefined }[] = [];
    let broken = true;
    receiver.on("resource.created", (_event, context) => {
      runs.push({ at: Date.now(), attempt: context.job?.attempt });
      if (broken) throw new Error(`downstream refused (run ${runs.length})`);
    });
    work();
    expect(await code(receiver, "evt_w1")).toBe("queued");
    await until(async () => (await queue.deadLetters()).length === 1, { message: "the dead letter" });
    expect(runs.map((run) => run.attempt)).toEqual([1, 2, 3]);
    // BullMQ's exponential backoff: 100 ms, then 200 ms (it may be late, never early).
    expect(runs[1]!.at - runs[0]!.at).toBeGreaterThanOrEqual(95);
    expect(runs[2]!.at - runs[1]!.at).toBeGreaterThanOrEqual(195);
    const [dead] = await queue.deadLetters();
    expect(dead).toMatchObject({
      jobId: jobIdOf("vastai:evt_w1"),
      event: { id: "evt_w1", type: "resource.created" },
      error: "downstream refused (run 3)",
      attempts: 3,
    });
    expect(dead!.failedAt).toBeGreaterThan(0);
    // The sender's retry stays a duplicate: the event is the queue's now.
    expect(await code(receiver, "evt_w1")).toBe("duplicate");

    broken = false;
    expect(await queue.redrive("vastai:evt_w1")).toBe(true);
    await until(async () => (await queue.queue.getJobState(jobIdOf("vastai:evt_w1"))) === "completed", {
      message: "the re-driven run",
    });
    expect(runs.map((run) => run.attempt)).toEqual([1, 2, 3, 1]);
    expect(await queue.deadLetters()).toEqual([]);
    expect(await queue.redrive("vastai:evt_w1")).toBe(false);
    expect(await queue.redrive("vastai:evt_unknown")).toBe(false);
  });

  test("redriveAll puts every dead letter back", async () => {
    const { queue, receiver, work } = setup({ attempts: 1 });
    let broken = true;
    const done: string[] = [];
    receiver.on("resource.created", (event) => {
      if (broken) throw new Error("down");
      done.push(event.id);
    });
    work(receiver, 4);
    for (const id of ["evt_r1", "evt_r2", "evt_r3"]) expect(await code(receiver, id)).toBe("queued");
    await until(async () => (await queue.deadLetters()).length === 3, { message: "three dead letters" });
    broken = false;
    expect(await queue.redriveAll()).toBe(3);
    await until(() => done.length === 3, { message: "the re-driven runs" });
    expect(done.sort()).toEqual(["evt_r1", "evt_r2", "evt_r3"]);
  });

  test("redriveAll takes a snapshot: with the handler still failing it ends, and the events are dead letters again", async () => {
    const { queue, receiver, work } = setup({ attempts: 1 });
    let runs = 0;
    receiver.on("resource.created", () => {
      runs++;
      throw new Error("still down");
    });
    work(receiver, 4);
    for (const id of ["evt_a1", "evt_a2"]) expect(await code(receiver, id)).toBe("queued");
    await until(async () => (await queue.deadLetters()).length === 2, { message: "two dead letters" });
    expect(await queue.redriveAll()).toBe(2);
    await until(async () => runs === 4 && (await queue.deadLetters()).length === 2, { message: "the second failures" });
  });

  test("an id already run with another body is dead-lettered at once, not retried", async () => {
    const { queue, receiver, work } = setup({ attempts: 5, backoffMs: 10 });
    let runs = 0;
    receiver.on("resource.created", () => void runs++);
    expect(await code(receiver, "evt_u1")).toBe("queued");
    const job = await queue.queue.getJob(jobIdOf("vastai:evt_u1"));
    // The same event run before (e.g. from another queue) with a different body.
    expect(await receiver.process({ ...job!.data, fingerprint: "another-body" }, { attempt: 1, maxAttempts: 1 })).toBe(
      "processed",
    );
    work();
    await until(async () => (await queue.deadLetters()).length === 1, { message: "the dead letter" });
    const [dead] = await queue.deadLetters();
    expect(dead).toMatchObject({ attempts: 1, error: expect.stringMatching(/different body/) });
    expect(runs).toBe(1);
  });

  test("close() waits for a running handler; past timeoutMs it aborts it and the job goes back, no attempt spent", async () => {
    const { queue, receiver, work } = setup({ attempts: 2 });
    const seen: { attempt: number | undefined; aborted: boolean }[] = [];
    let hang = true;
    receiver.on("resource.created", async (_event, context) => {
      if (hang) await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
      seen.push({ attempt: context.job?.attempt, aborted: context.signal.aborted });
    });
    const first = work();
    expect(await code(receiver, "evt_s1")).toBe("queued");
    await until(async () => (await queue.queue.getJobState(jobIdOf("vastai:evt_s1"))) === "active", {
      message: "the run",
    });
    await first.close({ timeoutMs: 200 });
    expect(seen).toEqual([{ attempt: 1, aborted: true }]);
    const job = await queue.queue.getJob(jobIdOf("vastai:evt_s1"));
    expect(["delayed", "wait"]).toContain(await job!.getState());
    expect(job!.attemptsMade).toBe(0);

    hang = false;
    work();
    await until(async () => (await queue.queue.getJobState(jobIdOf("vastai:evt_s1"))) === "completed", {
      message: "the next run",
    });
    expect(seen).toEqual([
      { attempt: 1, aborted: true },
      { attempt: 1, aborted: false },
    ]);
  });

  test("a worker with fast handlers closes at once, and options are checked", async () => {
    const { receiver, work } = setup();
    receiver.on("resource.created", () => {});
    const worker = work();
    const started = performance.now();
    await worker.close();
    expect(performance.now() - started).toBeLessThan(5000);
    // Option errors are @hooks errors with code invalid_option, naming the option.
    const option = (name: string) => expect.objectContaining({ code: "invalid_option", option: name });
    expect(() => createWorker({ receiver, connection, concurrency: 0 })).toThrow(option("concurrency"));
    expect(() => createWorker({ receiver: {} as EventProcessor, connection })).toThrow(option("receiver"));
    expect(() => new BullMQQueue({ connection, name: "a:b" })).toThrow(option("name"));
    expect(() => new BullMQQueue({ connection: undefined as never })).toThrow(/connection is required/);
    expect(() => new BullMQQueue({ connection, attempts: 0 })).toThrow(option("attempts"));
    await sleep(0);
  });
});
