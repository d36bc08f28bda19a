// One webhook receiver process for the multi-process tests: @hooks/express + RedisStore on 127.0.0.1 port 0.
import type { AddressInfo } from "node:net";
import { createReceiver, schemes } from "@hooks/core";
import { webhooks } from "@hooks/express";
import express from "express";
import { Redis } from "ioredis";
import { RedisStore } from "../src/index";

const prefix = process.env.TEST_PREFIX ?? "hooks-test:";
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const receiver = createReceiver<{ "resource.created": { hangInPid?: number } }>({
  scheme: schemes.vastai,
  secret: process.env.SECRET,
  store: new RedisStore(redis, { prefix: `${prefix}store:` }),
  leaseSeconds: Number(process.env.LEASE_SECONDS ?? 30),
});
// Side effects are counted in Redis, so the test sees every process's: started, then finished.
receiver.on("resource.created", async (event) => {
  await redis.incr(`${prefix}started:${event.id}`);
  // The process a test is about to kill hangs; every other one takes a few milliseconds.
  const ms = event.data.hangInPid === process.pid ? 60_000 : Math.random() * 20;
  await new Promise((resolve) => setTimeout(resolve, ms));
  await redis.incr(`${prefix}runs:${event.id}`);
});

const app = express();
app.post("/hooks", webhooks(receiver));
const server = app.listen(0, "127.0.0.1", () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on("disconnect", () => {
  server.close();
  server.closeAllConnections();
  redis.disconnect();
});
