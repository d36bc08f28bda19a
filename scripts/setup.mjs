// First step of README's two commands: make a fresh machine with Node 20+ ready to build and test.
// Ensures the pinned pnpm as a private copy under .tools/ (no sudo, and the same path on every
// machine: a global pnpm is never used, so what passes here passes for a new user), installs the
// workspace from the lockfile, and builds every package.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PNPM_VERSION, pnpmBin, root, testEnv } from "./tools.mjs";

const [major] = process.versions.node.split(".").map(Number);
if (major < 20) {
  console.error(`hooks needs Node 20 or newer; this is Node ${process.versions.node}.`);
  process.exit(1);
}

function pnpmVersion(command) {
  const result = spawnSync(command, ["--version"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function findPnpm() {
  const local = join(pnpmBin, "pnpm");
  if (existsSync(local) && pnpmVersion(local) === PNPM_VERSION) return local;
  console.log(`setup: installing pnpm ${PNPM_VERSION} into .tools/ (corepack cannot fetch it here)`);
  execFileSync(
    "npm",
    ["install", "--prefix", join(root, ".tools"), "--no-save", "--no-audit", "--no-fund", `pnpm@${PNPM_VERSION}`],
    {
      stdio: "inherit",
    },
  );
  return local;
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: testEnv() });
  if (result.status !== 0) {
    console.error(`setup: \`${[command, ...args].join(" ")}\` failed`);
    process.exit(result.status ?? 1);
  }
}

const pnpm = findPnpm();
run(pnpm, ["install", "--frozen-lockfile", "--reporter=append-only"]);
run(pnpm, ["-r", "--filter", "./packages/**", "run", "build"]);
