// The root test entry really runs every package: a failing test in any package fails the root run.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const packages = readdirSync(join(root, "packages")).filter((name) =>
  existsSync(join(root, "packages", name, "package.json")),
);

describe("vitest.workspace.ts", () => {
  test("every package has a vitest project, so none is silently left out of the root run", () => {
    expect(packages.length).toBeGreaterThan(0);
    for (const name of packages) expect(existsSync(join(root, "packages", name, "vitest.config.ts")), name).toBe(true);
  });

  test.each(packages)("a failing test in %s fails the root run", (name) => {
    const canary = join(root, "packages", name, "test", `root-run-canary-${process.pid}.test.ts`);
    const out = mkdtempSync(join(tmpdir(), "hooks-canary-"));
    writeFileSync(canary, `import { test, expect } from "vitest";\ntest("canary", () => { expect(1).toBe(2); });\n`);
    try {
      const run = spawnSync(
        join(root, "node_modules", ".bin", "vitest"),
        [
          "run",
          "--config",
          "vitest.workspace.ts",
          "--reporter=json",
          `--outputFile.json=${join(out, "r.json")}`,
          canary,
        ],
        { cwd: root, encoding: "utf8" },
      );
      const report = JSON.parse(readFileSync(join(out, "r.json"), "utf8"));
      expect(report.numFailedTests).toBe(1);
      expect(run.status).not.toBe(0);
    } finally {
      rmSync(canary, { force: true });
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("README's main job", () => {
  test("the demo runs examples/express on the in-memory store, then the audit, and every outcome is the expected one", () => {
    const env = { ...process.env };
    delete env.REDIS_URL; // the in-memory store, as on a fresh clone
    const run = spawnSync(process.execPath, [join(root, "scripts", "demo.mjs")], { cwd: root, encoding: "utf8", env });
    expect(run.stdout).toContain("hooks demo: examples/express on the memory store at http://127.0.0.1:");
    expect(run.stdout).toContain("every outcome was the expected one");
    expect(run.stdout).toMatch(/valid delivery\s+200 processed\s+200 processed\s+ok/);
    expect(run.stdout).toMatch(/the sender retries it\s+200 duplicate\s+200 duplicate\s+ok/);
    expect(run.stdout).toMatch(/10 concurrent copies\s+handler ran once\s+handler ran once\s+ok/);
    expect(run.stdout).toMatch(/timestamp 10 minutes ahead\s+401 timestamp_in_future\s+401 timestamp_in_future\s+ok/);
    expect(run.stdout).toMatch(/handler fails\s+500 handler_failed\s+500 handler_failed\s+ok/);
    expect(run.stdout).toMatch(/the sender's retry\s+200 processed\s+200 processed\s+ok/);
    expect(run.stdout).toMatch(/tampered body\s+401 signature_mismatch\s+401 signature_mismatch\s+ok/);
    // Queue mode: answered 202 while the 1.5 s handler still runs, then run once, dead letter, re-drive.
    expect(run.stdout).toMatch(/queue mode: 1500 ms handler\s+202 queued\s+202 queued\s+ok\s+answered in \d+ ms/);
    const answeredMs = Number(/answered in (\d+) ms/.exec(run.stdout)?.[1]);
    expect(answeredMs).toBeLessThan(1500);
    expect(run.stdout).toMatch(/queue mode: the worker ran it\s+handler ran once\s+handler ran once\s+ok/);
    expect(run.stdout).toMatch(
      /queue mode: a handler that keeps failing\s+dead-lettered after 3 attempts\s+dead-lettered after 3 attempts\s+ok/,
    );
    expect(run.stdout).toMatch(/queue mode: re-driven after the fix\s+handler ran once\s+handler ran once\s+ok/);
    // The audit's rows come from the built `hooks audit` run against the same receiver.
    expect(run.stdout).toMatch(/audit: non-numeric timestamp\s+refused\s+refused\s+ok\s+400 invalid_timestamp/);
    expect(run.stdout).toMatch(
      /audit: signature of the wrong length\s+refused\s+refused\s+ok\s+400 malformed_signature/,
    );
    expect(run.stdout).toMatch(/audit: uppercase hex signature\s+accepted\s+accepted\s+ok\s+200 processed/);
    expect(run.stdout).toMatch(/audit: oversized body \(signed\)\s+refused\s+refused\s+ok\s+413 payload_too_large/);
    // The receivers' default logging, kept by the demo and shown after the table.
    expect(run.stdout).toMatch(
      /error {2}a handler for instance\.ready evt_3_\w+ threw; answered 500 so the sender retries/,
    );
    expect(run.stdout).toMatch(/error {2}a handler for report\.requested evt_9_\w+ threw; that was attempt 3 of 3/);
    expect(run.stdout).toMatch(/warn {3}refused a delivery \(signature_mismatch, 401\)/);
    expect(run.stdout).not.toMatch(/WRONG/);
    expect(run.status).toBe(0);
  });
});
