// Tests of @hooks/next: real Next.js servers on 127.0.0.1, real signed deliveries. The test apps are
// built once per run (test/global-setup.ts), then each test file starts its own servers.
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "next",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
