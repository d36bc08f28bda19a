// Tests of @hooks/bullmq: a real Redis, real BullMQ workers, real processes. Files run one at a time.
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    provide: { bullmqMajor: 5 },
    name: "bullmq",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
