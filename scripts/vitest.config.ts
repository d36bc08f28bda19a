// Tests of the repository itself: the root test entry, the demo.
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "repo",
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
  },
});
