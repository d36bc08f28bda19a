// Tests of @hooks/redis: a real Redis, real processes. Files run one at a time: they share one Redis.
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "redis",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
