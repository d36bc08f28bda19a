// The queue tests again on BullMQ 6 (installed as the alias `bullmq6`): the source's `bullmq`
// imports resolve to it, so the same tests show which majors the peer range may claim.
import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { alias: { bullmq: "bullmq6" } },
  test: {
    provide: { bullmqMajor: 6 },
    name: "bullmq-v6",
    include: ["test/bullmq-version.test.ts", "test/queue.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
