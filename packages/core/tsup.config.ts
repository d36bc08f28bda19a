// Builds @hooks/core to ESM + CJS with declarations for both.
import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    schemes: "src/schemes/named.ts",
    scheme: "src/scheme.ts",
    node: "src/node.ts",
    testing: "src/testing.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "es2022",
  platform: "neutral",
  treeshake: true,
  // CommonJS too: the entries share chunks, so `require("@hooks/core/node")` throws the same error
  // classes as `require("@hooks/core")` (without it each entry would carry its own copy).
  splitting: true,
});
