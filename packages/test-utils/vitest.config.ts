// Tests of @hooks/test-utils itself: the helpers every package's tests stand on do what they say.
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "test-utils",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
