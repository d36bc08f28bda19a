// Shared by the @hooks/bullmq tests: signed deliveries (as the @hooks/redis tests sign them), an
// HTTP receiver on 127.0.0.1, polling.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Receiver } from "@hooks/core";

export { delivery, post, SECRET } from "../../redis/test/delivery";
export const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const connection = { url: redisUrl, maxRetriesPerRequest: null };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A bare node:http server handing every request to `receiver.receive`, on 127.0.0.1 port 0. */
export async function serve(receiver: Receiver): Promise<{ url: string; server: Server }> {
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const answer = await receiver.receive({
      method: request.method,
      headers: request.headers,
      body: Buffer.concat(chunks),
    });
    response.writeHead(answer.status, answer.headers).end(answer.body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`, server };
}

/** Resolves once `check` holds, polling; fails with `what` after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The BullMQ major this project runs on (its vitest config says). */
    bullmqMajor: number;
  }
}
