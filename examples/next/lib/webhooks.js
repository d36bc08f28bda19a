// The receiver the route below mounts: vastai scheme, in-memory store (one per server process).
import { createReceiver, schemes } from "@hooks/core";

// The secret may be unset while `next build` runs: deliveries then get 500 invalid_secret until it is set.
export const receiver = createReceiver({ scheme: schemes.vastai, secret: process.env.HOOKS_SECRET });

receiver.on("instance.*", async (event, { signal }) => {
  signal.throwIfAborted(); // your work goes here; throw to have the sender retry
  console.log(`handled ${event.type} ${event.id}`);
});
