// Several OS processes share one Redis: a storm of duplicate deliveries, and a process killed mid-handler.
import { type ChildProcess, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventDelivery, postDelivery as post, sleep } from "@hooks/test-utils";
import { redisUrl } from "@hooks/test-utils/redis";
import { build } from "esbuild";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, test } from "vitest";

const SECRET = "redis-store-test-secret";
const delivery = (id: string, data: Record<string, unknown> = {}) => eventDelivery(id, { secret: SECRET, data });
const PROCESSES = 4;
const LEASE_SECONDS = 2;
const prefix = `hooks-test:${randomUUID()}:`;
const redis = new Redis(redisUrl);
const dir = mkdtempSync(join(tmpdir(), "hooks-redis-"));
const workers: { child: ChildProcess; url: string }[] = [];

beforeAll(async () => {
  // Node runs no TypeScript: bundle the worker (and the store's source) into one CommonJS file.
  const outfile = join(dir, "worker.cjs");
  await build({
    entryPoints: [join(__dirname, "worker.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    outfile,
    logLevel: "error",
  });
  for (let i = 0; i < PROCESSES; i++) {
    const child = fork(outfile, {
      env: {
        ...process.env,
        REDIS_URL: redisUrl,
        TEST_PREFIX: prefix,
        LEASE_SECONDS: String(LEASE_SECONDS),
        SECRET,
      },
    });
    const [message] = (await once(child, "message")) as [{ port: number }];
    workers.push({ child, url: `http://127.0.0.1:${message.port}/hooks` });
  }
});

afterAll(async () => {
  for (const { child } of workers) if (child.connected) child.disconnect();
  await Promise.all(
    workers.map(({ child }) =>
      child.exitCode === null && child.signalCode === null ? once(child, "exit") : undefined,
    ),
  );
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

const pick = () => workers[Math.floor(Math.random() * workers.length)] as (typeof workers)[number];

test(`a storm of 1,000 events, each delivered 4 times at once to random processes of ${PROCESSES}: every handler runs exactly once`, async () => {
  const ids = Array.from({ length: 1_000 }, (_, i) => `evt_storm_${i}`);
  const answers = new Map<string, string[]>();
  let next = 0;
  // 24 events in flight at a time; the four copies of each go out together, to random processes.
  await Promise.all(
    Array.from({ length: 24 }, async () => {
      while (next < ids.length) {
        const id = ids[next++] as string;
        const sent = await delivery(id);
        const copies = await Promise.all([0, 1, 2, 3].map(() => post(pick().url, sent)));
        answers.set(
          id,
          copies.map(({ status, code }) => `${status} ${code}`),
        );
      }
    }),
  );
  const all = [...answers.values()].flat();
  const allowed = new Set(["200 processed", "200 duplicate", "409 in_progress"]);
  expect(all.filter((answer) => !allowed.has(answer))).toEqual([]);
  expect(all).toContain("409 in_progress"); // copies really overlapped
  // The core answers "processed" only to the delivery whose handler ran: one per event.
  const processed = [...answers.entries()].filter(
    ([, codes]) => codes.filter((c) => c === "200 processed").length !== 1,
  );
  expect(processed).toEqual([]);
  const runs = await redis.mget(...ids.map((id) => `${prefix}runs:${id}`));
  const started = await redis.mget(...ids.map((id) => `${prefix}started:${id}`));
  expect(runs.filter((count) => count !== "1")).toEqual([]);
  expect(started.filter((count) => count !== "1")).toEqual([]);
  // Every later delivery is a duplicate, whichever process gets it.
  const again = await Promise.all(
    ids.slice(0, 50).map(async (id) => (await post(pick().url, await delivery(id))).code),
  );
  expect(new Set(again)).toEqual(new Set(["duplicate"]));
});

test("a process SIGKILLed mid-handler: other processes answer 409 until its lease ends, then the next delivery runs it exactly once", async () => {
  const id = `evt_kill_${randomUUID()}`;
  const [victim, survivor] = workers as [(typeof workers)[number], (typeof workers)[number]];
  const sent = await delivery(id, { hangInPid: victim.child.pid });
  const first = post(victim.url, sent).catch((error: unknown) => error);
  while ((await redis.get(`${prefix}started:${id}`)) !== "1") await sleep(20);
  victim.child.kill("SIGKILL");
  await once(victim.child, "exit");
  expect(await first).toBeInstanceOf(Error); // the connection died with the process

  const during = await post(survivor.url, sent);
  expect(during.status).toBe(409);
  expect(Number(during.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(during.retryAfter)).toBeLessThanOrEqual(LEASE_SECONDS);

  await sleep(LEASE_SECONDS * 1000 + 100);
  const after = await post(survivor.url, sent);
  expect(after).toMatchObject({ status: 200, code: "processed" });
  expect(await redis.get(`${prefix}runs:${id}`)).toBe("1");
  expect(await redis.get(`${prefix}started:${id}`)).toBe("2");
  expect((await post(survivor.url, sent)).code).toBe("duplicate");
});
