// README's test command on a machine with no pnpm of its own: every stage that spawns pnpm finds the private one.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { PNPM_VERSION, pnpmBin, root, testEnv } from "../tools.mjs";

/** A PATH with no pnpm on it at all: `node` alone (linked from a folder of its own) and every folder without a pnpm. */
const bare = mkdtempSync(join(tmpdir(), "hooks-no-pnpm-"));
symlinkSync(process.execPath, join(bare, "node"));
const withoutPnpm = [
  bare,
  ...(process.env.PATH ?? "")
    .split(delimiter)
    .filter((folder) => folder !== "" && !existsSync(join(folder, "pnpm")) && !folder.startsWith(root)),
].join(delimiter);
const fresh = { ...process.env, PATH: withoutPnpm } as Record<string, string>;

afterAll(() => rmSync(bare, { recursive: true, force: true }));

describe("a machine with no pnpm on PATH", () => {
  test("really has none: `pnpm` is not found there", () => {
    const found = spawnSync("pnpm", ["--version"], { env: fresh, encoding: "utf8" });
    expect(found.error?.message ?? `found pnpm ${found.stdout}`).toMatch(/ENOENT/);
  });

  test("the test stages' environment reaches the pinned pnpm that setup installed under .tools/", () => {
    expect(existsSync(join(pnpmBin, "pnpm")), "npm test's setup installs it there").toBe(true);
    const found = spawnSync("pnpm", ["--version"], { env: testEnv(fresh), encoding: "utf8" });
    expect(found.error).toBeUndefined();
    expect(found.stdout.trim()).toBe(PNPM_VERSION);
  });

  test("publint, which packs with pnpm, runs there (it died with `spawn pnpm ENOENT` once)", () => {
    const script = `import("publint").then(({ publint }) => publint({ pkgDir: "packages/core", level: "warning" }))
      .then(({ messages }) => console.log(JSON.stringify(messages.map((m) => m.code))))`;
    const run = spawnSync(process.execPath, ["-e", script], { cwd: root, env: testEnv(fresh), encoding: "utf8" });
    expect(run.stderr).not.toMatch(/ENOENT/);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([]);
  });
});
