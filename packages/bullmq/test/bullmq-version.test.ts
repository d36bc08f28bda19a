// Which BullMQ the project under test really loads: 5 in `bullmq`, 6 in `bullmq-v6` (an alias that
// applies to this file's imports as it does to the source's).
import { expect, inject, test } from "vitest";
import { BullMQQueue } from "../src/index";
import { connection } from "./helpers";

test("the BullMQ major the project claims to test is the one the source imports", async () => {
  const { version } = (await import("bullmq/package.json")).default as { version: string };
  const major = inject("bullmqMajor");
  expect(version.split(".")[0]).toBe(String(major));
  const bullmq = await import("bullmq");
  // An export BullMQ 6 added: tells the majors apart by what is loaded, not by a file name.
  expect("RedisQueueBackend" in bullmq).toBe(major >= 6);
  // The source's Queue is this very class: the source resolved `bullmq` to the same package.
  const queue = new BullMQQueue({ connection, name: `hooks-test-version-${major}-${Date.now()}` });
  expect(queue.queue).toBeInstanceOf(bullmq.Queue);
  await queue.queue.obliterate({ force: true });
  await queue.close();
});
