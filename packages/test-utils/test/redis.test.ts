// The Redis lifecycle: the shared Redis answers, private servers start, pause, resume, stop and die
// on demand, and the script .ci/run calls says what it did.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ensureRedis, freePort, ping, redisUrl, startRedisServer } from "@hooks/test-utils/redis";
import { expect, test } from "vitest";

const script = fileURLToPath(new URL("../src/redis.mjs", import.meta.url));

test("ensureRedis leaves the shared Redis answering at redisUrl", async () => {
  await ensureRedis();
  const url = new URL(redisUrl);
  expect(await ping(url.hostname, Number(url.port || 6379))).toBe(true);
});

test("`node src/redis.mjs` ensures it and says where it is", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [script]);
  expect(stdout).toBe(`redis: answering at ${redisUrl}\n`);
});

test("a private server: answers on its port, pause freezes it, resume thaws it, stop ends it", async () => {
  const server = await startRedisServer();
  try {
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await ping("127.0.0.1", server.port)).toBe(true);
    server.pause();
    expect(await ping("127.0.0.1", server.port, 300)).toBe(false);
    server.resume();
    expect(await ping("127.0.0.1", server.port)).toBe(true);
  } finally {
    await server.stop();
  }
  expect(await ping("127.0.0.1", server.port)).toBe(false);
});

test("a private server on a chosen port can be killed like a crash, and a taken port is refused", async () => {
  const port = await freePort();
  const server = await startRedisServer({ port, args: ["--maxmemory-policy", "noeviction"] });
  expect(server.port).toBe(port);
  await expect(startRedisServer({ port })).rejects.toThrow(/exited at start/);
  await server.kill();
  expect(await ping("127.0.0.1", port)).toBe(false);
  await server.stop(); // already gone: nothing to do
});
