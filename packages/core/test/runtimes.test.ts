// Runs test/runtime/check.mjs against the built core on Node, Bun, Deno and Vercel's Edge runtime.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { EdgeRuntime } from "edge-runtime";
import { build } from "esbuild";
import { beforeAll, describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const script = fileURLToPath(new URL("./runtime/check.mjs", import.meta.url));

/** What check.mjs prints: one JSON line. */
interface Report {
  readonly runtime: string;
  /** The HMAC path that ran, when the script could observe it. */
  readonly cryptoPath?: "node:crypto" | "web-crypto";
  readonly getBuiltinModule: boolean;
  /** "supported", or "unsupported (<why>)". */
  readonly ed25519: string;
  readonly results: readonly { readonly name: string; readonly ok: boolean; readonly detail?: string }[];
}

// 8 schemes × round trip + tamper (+ stale for the 6 timestamped ones), 3 vectors × 2, Ed25519 × 2, the receiver.
const EXPECTED_CHECKS = 32;

beforeAll(() => {
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run pnpm build first`);
});

function expectAllPassed(report: Report, runtime: string): void {
  const failed = report.results.filter((result) => !result.ok).map(({ name, detail }) => `${name}: ${detail}`);
  expect(failed, `checks that failed on ${runtime}`).toEqual([]);
  expect(report.results, `checks that ran on ${runtime}`).toHaveLength(EXPECTED_CHECKS);
  // Found by trying: all four runtimes have Ed25519 in Web Crypto (Node 20.20, Bun 1.4, Deno 2.9, edge-runtime 4).
  expect(report.ed25519, `Ed25519 on ${runtime}`).toBe("supported");
  console.info(`${runtime}: HMAC through ${report.cryptoPath ?? "an unobserved path"}, Ed25519 ${report.ed25519}`);
}

function runScript(runtime: string, command: string, args: readonly string[]): Report {
  const child = spawnSync(command, [...args, script], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    timeout: 50_000,
  });
  const output = `${child.error ?? ""}\nstdout:\n${child.stdout}\nstderr:\n${child.stderr}`;
  const line = child.stdout?.trim().split("\n").at(-1);
  expect(line?.startsWith("{"), `${runtime} printed no report:${output}`).toBe(true);
  const report = JSON.parse(line!) as Report;
  expect(report.runtime).toBe(runtime);
  expectAllPassed(report, runtime);
  expect(child.status, `${runtime} exit code:${output}`).toBe(0);
  return report;
}

describe("check.mjs passes on every runtime", () => {
  test("node", () => {
    runScript("node", process.execPath, []);
  });

  test("bun", () => {
    runScript("bun", `${root}node_modules/.bin/bun`, []);
  });

  test("deno (no permissions granted)", () => {
    runScript("deno", `${root}node_modules/.bin/deno`, ["run", "--no-prompt"]);
  });

  test("edge-runtime (Web Crypto only)", async () => {
    // The VM runs classic scripts, so bundle the check and the core into one browser IIFE.
    const bundle = await build({
      entryPoints: [script],
      bundle: true,
      format: "iife",
      platform: "browser",
      write: false,
      logLevel: "silent",
    });
    let printed: (line: string) => void = () => {};
    const line = new Promise<string>((resolve) => {
      printed = resolve;
    });
    const vm = new EdgeRuntime({
      extend: (context) => Object.assign(context, { console: { ...context.console, log: printed } }),
    });
    expect(vm.evaluate("typeof globalThis.process?.getBuiltinModule"), "process.getBuiltinModule in the VM").toBe(
      "undefined",
    );
    vm.evaluate(bundle.outputFiles[0]!.text);
    const report = JSON.parse(await line) as Report;
    expect(report.runtime).toBe("edge-runtime");
    expectAllPassed(report, "edge-runtime");
    expect(report.getBuiltinModule).toBe(false);
    expect(report.cryptoPath, "the HMAC path inside the Edge VM").toBe("web-crypto");
  });
});
