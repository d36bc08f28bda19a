// Second step of `npm test`: lint, typecheck, then every package's tests through vitest.workspace.ts.
// Ends with the line `N passed, N failed` (lint and typecheck count as one check each).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { root, testEnv } from "./tools.mjs";

const env = testEnv();
const results = join(root, ".vitest-results.json");
let passed = 0;
let failed = 0;

function stage(name, command, args) {
  console.log(`\n== ${name}: ${[command, ...args].join(" ")}`);
  const ok = spawnSync(command, args, { cwd: root, env, stdio: "inherit" }).status === 0;
  console.log(`== ${name}: ${ok ? "passed" : "FAILED"}`);
  if (ok) passed++;
  else failed++;
  return ok;
}

stage("lint", "biome", ["ci", "."]);
for (const name of readdirSync(join(root, "packages")).sort()) {
  const config = join(root, "packages", name, "tsconfig.test.json");
  if (existsSync(config)) stage(`typecheck ${name}`, "tsc", ["--noEmit", "-p", config]);
}

rmSync(results, { force: true });
// A passing test's console output (the receivers' default logging of the failures the tests provoke)
// is left out; a failing test's is shown with it.
const vitestArgs = [
  "run",
  "--config",
  "vitest.workspace.ts",
  "--silent=passed-only",
  "--reporter=default",
  "--reporter=json",
];
console.log(`\n== tests: vitest ${vitestArgs.join(" ")}`);
const vitestOk =
  spawnSync("vitest", [...vitestArgs, `--outputFile.json=${results}`], { cwd: root, env, stdio: "inherit" }).status ===
  0;
const report = existsSync(results) ? JSON.parse(readFileSync(results, "utf8")) : undefined;
passed += report?.numPassedTests ?? 0;
failed += report?.numFailedTests ?? 0;
// A run can fail outside any test (a file that does not load, an unhandled error) or run nothing.
if (!report || report.numTotalTests === 0 || (!vitestOk && report.numFailedTests === 0)) {
  console.error("== tests: vitest failed outside the tests, or ran none");
  failed++;
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
