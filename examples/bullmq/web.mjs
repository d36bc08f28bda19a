// The web process: verifies, claims and queues each delivery, answering 202 as soon as it is stored.
// `HOOKS_SECRET=… node web.mjs`, then send with `hooks send report.requested --url http://127.0.0.1:3000/webhooks --scheme vastai`.
import { webhooks } from "@hooks/express";
import express from "express";
import { queue, receiver, redis } from "./receiver.mjs";

const app = express();
app.post("/webhooks", webhooks(receiver)); // before any body parser: it needs the raw bytes
const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, "127.0.0.1", () => {
  const { port: bound } = server.address();
  console.log(`receiving webhooks at http://127.0.0.1:${bound}/webhooks (queue mode)`);
  process.send?.({ port: bound });
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close(async () => {
      await queue.close();
      redis.disconnect();
      process.exit(0);
    });
  });
}
