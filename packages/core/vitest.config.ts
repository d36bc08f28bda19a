// Tests of @hooks/core: unit, property (*.property.test.ts), vectors and the runtime suite.
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "core",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
