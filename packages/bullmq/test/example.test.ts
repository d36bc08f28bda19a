// examples/bullmq as a user runs it: the web process and two worker processes, real deliveries over
// HTTP, each event handled once by some worker, and workers that stop cleanly on SIGTERM.
import { type ChildProcess, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { eventBody, postDelivery, signedDelivery, until } from "@hooks/test-utils";
import { redisUrl } from "@hooks/test-utils/redis";
import { Redis } from "ioredis";
import { afterAll, expect, test } from "vitest";
import { BullMQQueue } from "../src/index";
import { connection, SECRET } from "./helpers";

const example = (file: string) => fileURLToPath(new URL(`../../../examples/bullmq/${file}`, import.meta.url));
const name = `hooks-test-example-${randomUUID()}`;
const redis = new Redis(redisUrl);
const children: ChildProcess[] = [];
const logs: string[] = [];
const env = { ...process.env, HOOKS_SECRET: SECRET, QUEUE: name, REDIS_URL: redisUrl, PORT: "0", REPORT_MS: "1000" };

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  const queue = new BullMQQueue({ connection, name });
  await queue.queue.obliterate({ force: true });
  await queue.close();
  const keys = await redis.keys(`hooks:example:${name}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** Starts one of the example's processes and waits for its first message (port or ready). */
async function start(file: string): Promise<{ child: ChildProcess; message: { port?: number; ready?: number } }> {
  const child = fork(example(file), { env, stdio: ["ignore", "pipe", "pipe", "ipc"] });
  children.push(child);
  // Read what it logs (a full pipe would stall it); shown if the test fails.
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on("data", (chunk: Buffer) => {
      for (const line of `${chunk}`.split("\n")) if (line !== "") logs.push(`${file}: ${line}\n`);
    });
  }
  const [message] = (await Promise.race([
    once(child, "message"),
    once(child, "exit").then(([code]) => {
      throw new Error(`${file} exited with ${code} before it was up`);
    }),
  ])) as [{ port?: number; ready?: number }];
  return { child, message };
}

async function post(url: string, id: string): Promise<string> {
  const body = eventBody(id, { type: "report.requested", data: { pages: 3 } });
  const answer = await postDelivery(url, await signedDelivery(body, { secret: SECRET }));
  return `${answer.status} ${answer.code}`;
}

test("the example's web process queues, two worker processes run each event once and stop on SIGTERM", async () => {
  const web = await start("web.mjs");
  const url = `http://127.0.0.1:${web.message.port}/webhooks`;
  const workers = [await start("worker.mjs"), await start("worker.mjs")];

  const ids = Array.from({ length: 20 }, (_, i) => `evt_example_${i}`);
  // Each event twice at once, as a retrying sender may.
  const answers = await Promise.all(ids.flatMap((id) => [post(url, id), post(url, id)]));
  for (const id of ids) {
    const pair = [answers[ids.indexOf(id) * 2], answers[ids.indexOf(id) * 2 + 1]];
    expect(
      pair.filter((answer) => answer === "202 queued"),
      id,
    ).toHaveLength(1);
  }
  for (const answer of answers) expect(["202 queued", "200 duplicate", "409 in_progress"]).toContain(answer);

  const completed = () => redis.hgetall(`hooks:example:${name}:completed`);
  await until(async () => Object.keys(await completed()).length === ids.length, {
    message: "20 completions",
    timeoutMs: 60_000,
  }).catch((error: Error) => {
    throw new Error(`${error.message}; the processes logged:\n${logs.join("")}`);
  });
  // Both the web process and the workers logged through onOutcome: queued there, processed here.
  expect(logs.join("")).toMatch(/web\.mjs: web \d+: report\.requested evt_example_\d+ queued/);
  expect(logs.join("")).toMatch(/worker\.mjs: worker \d+, run 1\/4: report\.requested evt_example_\d+ processed/);
  expect(Object.values(await completed()).every((count) => count === "1")).toBe(true);

  for (const { child } of [...workers, web]) {
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  }
});
