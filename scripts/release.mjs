// `npm run release`: build, the release checks, then `changeset publish`, which starts `pnpm publish` by name: the private pnpm is put on PATH first.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { root, testEnv } from "./tools.mjs";

const env = testEnv();
for (const [command, args] of [
  ["pnpm", ["-r", "--filter", "./packages/**", "run", "build"]],
  // The release checks (licence, links, peer ranges, changesets config) and the packed tarballs,
  // once more right before anything is published.
  [
    join(root, "node_modules", ".bin", "vitest"),
    [
      "run",
      "--config",
      "vitest.workspace.ts",
      "--project",
      "repo",
      "scripts/test/release.test.ts",
      "scripts/test/packed-install.test.ts",
    ],
  ],
  [join(root, "node_modules", ".bin", "changeset"), ["publish"]],
]) {
  const result = spawnSync(command, args, { cwd: root, env, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
