// Runs the example: `HOOKS_SECRET=… node server.mjs`, then `hooks send instance.ready --url http://127.0.0.1:3000/webhooks --scheme vastai`.
import { createApp } from "./app.mjs";

const secret = process.env.HOOKS_SECRET;
if (!secret) {
  console.error("set HOOKS_SECRET to the signing secret, e.g. HOOKS_SECRET=dev-secret node server.mjs");
  process.exit(1);
}
const { app, store } = await createApp({
  secret,
  work: async (event) => console.log(`handled ${event.type} ${event.id}`),
});
const port = Number(process.env.PORT ?? 3000);
app.listen(port, "127.0.0.1", () =>
  console.log(`receiving webhooks at http://127.0.0.1:${port}/webhooks (${store} store)`),
);
