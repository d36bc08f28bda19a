// Runs `node bench/run.mjs --quick` into a temporary file and checks every table is there.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, expect, test } from "vitest";

const run = fileURLToPath(new URL("../run.mjs", import.meta.url));
let dir: string | undefined;

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("the bench scripts run in quick mode and write every table", async () => {
  dir = await mkdtemp(join(tmpdir(), "hooks-bench-"));
  const out = join(dir, "BENCHMARKS.md");
  await promisify(execFile)(process.execPath, [run, "--quick", "--out", out], { timeout: 170_000 });
  const doc = await readFile(out, "utf8");
  for (const heading of ["## Targets", "## Verify", "### 256 B", "### 1 MiB", "## HTTP", "## Store", "## Memory"]) {
    expect(doc).toContain(heading);
  }
  for (const row of [
    "| timestamped | @hooks/core, Node path |",
    "| timestamped | @hooks/core, Web Crypto path (child process) |",
    "| Stripe | stripe constructEvent |",
    "| @hooks/express |",
    "| @hooks/fastify |",
    "| node-redis | 64 |",
    "| MemoryStore |",
    "| svix | 1.99.1 |",
  ]) {
    expect(doc).toContain(row);
  }
  expect(doc).toContain(`Node ${process.versions.node}`);
});
