// The example Fastify app: `HOOKS_SECRET=… node server.mjs`, webhooks at POST /webhooks (vastai scheme, in-memory store).
import { createReceiver, schemes } from "@hooks/core";
import { webhooks } from "@hooks/fastify";
import Fastify from "fastify";

const secret = process.env.HOOKS_SECRET;
if (!secret) {
  console.error("set HOOKS_SECRET to the signing secret, e.g. HOOKS_SECRET=dev-secret node server.mjs");
  process.exit(1);
}

const receiver = createReceiver({ scheme: schemes.vastai, secret });
receiver.on("instance.*", async (event, { signal }) => {
  // Your work goes here; pass `signal` on so it stops if it runs past its lease. Throw to have the sender retry.
  signal.throwIfAborted();
  console.log(`handled ${event.type} ${event.id}`);
});

const app = Fastify();
await app.register(webhooks, { receiver, path: "/webhooks" });
app.get("/", async () => ({ webhooks: "POST /webhooks" })); // the rest of the app keeps Fastify's JSON parsing
const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: "127.0.0.1" });
console.log(`receiving webhooks at ${address}/webhooks`);
