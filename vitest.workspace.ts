// The test entry for every package. Current vitest ignores a workspace file on its own, so the
// root test script runs `vitest run --config vitest.workspace.ts`, and this config lists the
// projects: each package's own vitest.config.ts.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      "packages/*/vitest.config.ts",
      // @hooks/bullmq's queue tests once more on BullMQ 6 (an aliased install).
      "packages/bullmq/vitest.v6.config.ts",
      "scripts/vitest.config.ts",
      "bench/vitest.config.ts",
    ],
  },
});
