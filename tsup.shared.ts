// The build of every single-entry Node package (adapters, stores, the queue): ESM + CJS with
// declarations. Dependencies and peer dependencies (the framework, @hooks/core) stay external.
import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "es2022",
  platform: "node",
});
