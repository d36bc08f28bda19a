// 5,000 events over HTTP in queue mode, each delivered twice at once: every handler completes
// exactly once, and the HTTP answers do not wait for the (slow) handlers.
import { randomUUID } from "node:crypto";
import { createReceiver, schemes } from "@hooks/core";
import { RedisStore } from "@hooks/redis";
import { postDelivery as post, serveReceiver, sleep, until } from "@hooks/test-utils";
import { redisUrl } from "@hooks/test-utils/redis";
import { Redis } from "ioredis";
import { afterAll, expect, test } from "vitest";
import { BullMQQueue, createWorker } from "../src/index";
import { connection, delivery, SECRET } from "./helpers";

const EVENTS = 5_000;
const HANDLER_MS = 1_500;
const IN_FLIGHT = 64;

const redis = new Redis(redisUrl);
const prefix = `hooks-test:${randomUUID()}:`;
const name = `hooks-test-${randomUUID()}`;
const queue = new BullMQQueue({ connection, name });
const cleanup: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const close of cleanup.reverse()) await close();
  await queue.queue.obliterate({ force: true });
  await queue.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

test(`${EVENTS} events, each twice at once over HTTP: 202 before the ${HANDLER_MS} ms handler, and each handler completes once`, async () => {
  const store = new RedisStore(redis, { prefix });
  const receiver = createReceiver({ scheme: schemes.vastai, secret: SECRET, store, queue });
  const completed = new Map<string, number>();
  const completedAt = new Map<string, number>();
  receiver.on("resource.created", async (event) => {
    await sleep(HANDLER_MS);
    completed.set(event.id, (completed.get(event.id) ?? 0) + 1);
    completedAt.set(event.id, Date.now());
  });
  const server = await serveReceiver(receiver);
  const url = `${server.url}/webhooks`;
  cleanup.push(() => server.close());
  // Two workers, as two processes would run them; 250 handlers at once between them.
  for (let i = 0; i < 2; i++) {
    const worker = createWorker({ receiver, connection, name, concurrency: 125 });
    cleanup.push(() => worker.close({ timeoutMs: 5000 }));
  }

  const ids = Array.from({ length: EVENTS }, (_, i) => `evt_load_${i}`);
  const answeredAt = new Map<string, number>();
  const latencies: number[] = [];
  const codes = new Map<string, string[]>();
  let next = 0;
  async function sender() {
    while (next < ids.length) {
      const id = ids[next++]!;
      const d = await delivery(id);
      // The same delivery twice at once: a sender's retry racing its first attempt.
      const answers = await Promise.all(
        [0, 1].map(async () => {
          const started = performance.now();
          const answer = await post(url, d);
          latencies.push(performance.now() - started);
          return answer;
        }),
      );
      answeredAt.set(id, Date.now());
      codes.set(
        id,
        answers.map((answer) => `${answer.status} ${answer.code}`),
      );
      // A 409 tells the sender to come back: it does, once the first copy is queued.
      for (const answer of answers) {
        if (answer.status === 409) {
          const retry = await post(url, d);
          codes.get(id)!.push(`retry ${retry.status} ${retry.code}`);
        }
      }
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT / 2 }, sender));

  for (const id of ids) {
    const got = codes.get(id)!;
    expect(
      got.filter((c) => c === "202 queued"),
      id,
    ).toHaveLength(1);
    for (const c of got) expect(["202 queued", "200 duplicate", "409 in_progress", "retry 200 duplicate"]).toContain(c);
  }
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
  const p50 = latencies[Math.floor(latencies.length * 0.5)]!;
  console.info(
    `${latencies.length} answers: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (handler ${HANDLER_MS} ms)`,
  );
  // Answers are about the hand-off, not the handlers: far under the handler's sleep.
  expect(p99).toBeLessThan(HANDLER_MS);

  await until(() => completed.size === EVENTS, { message: `${EVENTS} completions`, timeoutMs: 150_000 });
  await sleep(500); // anything that would run twice has had the time to
  expect([...completed.values()].every((count) => count === 1)).toBe(true);
  expect(completed.size).toBe(EVENTS);
  // Every sender had its answers before that event's handler completed.
  for (const id of ids) expect(answeredAt.get(id)!, id).toBeLessThan(completedAt.get(id)!);
  expect(await queue.queue.getJobCounts("wait", "delayed", "active", "failed")).toEqual({
    wait: 0,
    delayed: 0,
    active: 0,
    failed: 0,
  });
});
