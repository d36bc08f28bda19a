// Makes sure a Redis answers at REDIS_URL (default 127.0.0.1:6379) before the Redis tests run (@hooks/redis, @hooks/bullmq, the CLI), starting one if installed.
import { execFileSync } from "node:child_process";
import { ping, redisUrl } from "./redis";

export default async function setup(): Promise<void> {
  const url = new URL(redisUrl);
  const port = Number(url.port || 6379);
  if (await ping(url.hostname, port)) return;
  if (!["127.0.0.1", "localhost"].includes(url.hostname)) {
    throw new Error(
      `the Redis tests (@hooks/redis, @hooks/bullmq, hooks dead-letters): no Redis answers at ${redisUrl}. Start it, or unset REDIS_URL to use 127.0.0.1:6379.`,
    );
  }
  try {
    execFileSync("redis-server", [
      "--daemonize",
      "yes",
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
    ]);
  } catch {
    throw new Error(
      `the Redis tests (@hooks/redis, @hooks/bullmq, hooks dead-letters) need a Redis at ${redisUrl}, and redis-server is not installed. Install it (apt-get install redis-server, or brew install redis) or set REDIS_URL.`,
    );
  }
  for (let i = 0; i < 50; i++) {
    if (await ping(url.hostname, port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the Redis tests: started redis-server on port ${port}, but it does not answer PING.`);
}
