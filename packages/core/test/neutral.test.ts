// The built core stays runtime-neutral: no static node: import, no runtime dependencies.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";

const core = join(import.meta.dirname, "..");

const built = readdirSync(join(core, "dist")).filter((file) => /\.c?js$/.test(file));

test.each(built)("dist/%s imports nothing but its own chunks: no node: module, no package", (file) => {
  const code = readFileSync(join(core, "dist", file), "utf8");
  // ESM entries share chunks (./chunk-*.js); nothing else is imported, statically or not.
  for (const [, from] of code.matchAll(/\bfrom\s*["']([^"']+)["']/g)) expect(from).toMatch(/^\.\/chunk-[\w-]+\.js$/);
  expect(code).not.toMatch(/\bimport\s*\(/);
  // CommonJS entries share chunks too (./chunk-*.cjs); nothing else is required.
  for (const [, from] of code.matchAll(/\brequire\s*\(\s*["']([^"']*)["']\s*\)/g))
    expect(from).toMatch(/^\.\/chunk-[\w-]+\.cjs$/);
  expect(code.match(/\brequire\s*\(/g)?.length ?? 0).toBe(
    [...code.matchAll(/\brequire\s*\(\s*["']\.\/chunk-/g)].length,
  );
  // node:crypto is reached only through process.getBuiltinModule, which bundlers do not follow.
  for (const name of code.match(/["']node:[a-z_]+["']/g) ?? []) expect(name).toBe('"node:crypto"');
  if (code.includes("node:crypto")) expect(code).toContain('getBuiltinModule?.("node:crypto")');
});

test("the entries are all built, ESM and CommonJS", () => {
  for (const entry of ["index", "schemes", "scheme", "node", "testing"])
    for (const ext of ["js", "cjs", "d.ts", "d.cts"])
      expect(built.concat(readdirSync(join(core, "dist")))).toContain(`${entry}.${ext}`);
});

test("@hooks/core declares no runtime dependencies", () => {
  const manifest = JSON.parse(readFileSync(join(core, "package.json"), "utf8"));
  expect(manifest.dependencies ?? {}).toEqual({});
  expect(manifest.peerDependencies ?? {}).toEqual({});
});
