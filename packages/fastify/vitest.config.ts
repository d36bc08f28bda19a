// Tests of @hooks/fastify: real servers on 127.0.0.1, real signed deliveries.
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "fastify",
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
