// The built core stays runtime-neutral: no static node: import, no runtime dependencies.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";

const core = join(import.meta.dirname, "..");

test.each(["dist/index.js", "dist/index.cjs"])("%s imports nothing: no node: module, no package", (file) => {
  const code = readFileSync(join(core, file), "utf8");
  expect(code).not.toMatch(/\bfrom\s*["']/);
  expect(code).not.toMatch(/\bimport\s*\(/);
  expect(code).not.toMatch(/\brequire\s*\(/);
  // node:crypto is reached only through process.getBuiltinModule, which bundlers do not follow.
  expect(code.match(/["']node:[a-z_]+["']/g)).toEqual(['"node:crypto"']);
  expect(code).toContain('getBuiltinModule?.("node:crypto")');
});

test("@hooks/core declares no runtime dependencies", () => {
  const manifest = JSON.parse(readFileSync(join(core, "package.json"), "utf8"));
  expect(manifest.dependencies ?? {}).toEqual({});
  expect(manifest.peerDependencies ?? {}).toEqual({});
});
