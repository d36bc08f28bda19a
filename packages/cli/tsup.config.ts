// Builds the library (ESM + CJS, declarations) and the `hooks` bin (dist/cli.js keeps its shebang).
import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/cli.ts"],
  format: ["esm", "cjs"],
  dts: { entry: "src/index.ts" },
  clean: true,
  sourcemap: true,
  target: "es2022",
  platform: "node",
  // cli.ts reads its package.json next to import.meta.url; the shim makes that work in the CJS build too.
  shims: true,
});
