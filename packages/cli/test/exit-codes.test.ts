// Honest exit codes: send fails when a delivery is not accepted, audit stops when the valid one is refused, --version, repeated --id.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createReceiver, MemoryStore, schemes } from "@hooks/core";
import { sleep } from "@hooks/test-utils";
import { describe, expect, test } from "vitest";
import { answering, deadUrl, FIXTURES, hooks, listen, serve } from "./helpers";

const SECRET = "exit-codes-secret";
const PACKAGE = join(import.meta.dirname, "..");
const { version } = JSON.parse(readFileSync(join(PACKAGE, "package.json"), "utf8")) as { version: string };

function ours(scheme = schemes.vastai, handlerMs = 0) {
  const runs = new Map<string, number>();
  const receiver = createReceiver({ scheme, secret: SECRET, store: new MemoryStore() });
  receiver.on("*", async (event) => {
    await sleep(handlerMs);
    runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
  });
  return { receiver, runs };
}

describe("hooks send exits 1 unless every delivery was accepted", () => {
  test.each([
    [401, "signature_mismatch", "hooks: 1 of 1 not accepted: 401 signature_mismatch (wrong secret?)"],
    [404, "not_found", "hooks: 1 of 1 not accepted: 404 not_found (wrong URL?)"],
    [422, "fingerprint_mismatch", "this --id was sent before with another body"],
    [500, "handler_failed", "hooks: 1 of 1 not accepted: 500 handler_failed"],
    [301, "moved", "hooks: 1 of 1 not accepted: 301 moved"],
  ])("an endpoint answering %i", async (status, code, message) => {
    const { url, requests } = await answering(status, code);
    const run = await hooks(["send", "--scheme", "vastai", "--url", url], { HOOKS_SECRET: SECRET });
    expect(requests).toHaveLength(1);
    expect(run.stdout).toMatch(new RegExp(`^#1 {2}${status} ${code}`, "m"));
    expect(run.stderr).toContain(message);
    expect(run.code).toBe(1);
  });

  test("our receiver with another secret: 401 on every copy", async () => {
    const { receiver } = ours();
    const { url } = await serve(receiver);
    const run = await hooks([
      "send",
      "--scheme",
      "vastai",
      "--url",
      url,
      "--secret",
      "not-the-secret",
      "--repeat",
      "3",
    ]);
    expect(run.stdout).toContain("3× 401 signature_mismatch");
    expect(run.stderr).toContain("3 of 3 not accepted");
    expect(run.code).toBe(1);
  });

  test("an unreachable URL", async () => {
    const run = await hooks(["send", "--scheme", "vastai", "--url", await deadUrl(), "--json"], {
      HOOKS_SECRET: SECRET,
    });
    const { summary, results } = JSON.parse(run.stdout) as {
      summary: { ok: boolean };
      results: { status?: number; code: string }[];
    };
    expect(summary.ok).toBe(false);
    expect(results).toEqual([expect.objectContaining({ code: "ECONNREFUSED" })]);
    expect(results[0]?.status).toBeUndefined();
    expect(run.code).toBe(1);
  });

  test("an endpoint that never answers, after --timeout-ms", async () => {
    const url = await listen(() => {}); // reads nothing, answers nothing
    const run = await hooks(["send", "--scheme", "vastai", "--url", url, "--timeout-ms", "300"], {
      HOOKS_SECRET: SECRET,
    });
    expect(run.stdout).toMatch(/^#1 {2}--- no answer in 300 ms/m);
    expect(run.stderr).toContain("(is the receiver running at --url?)");
    expect(run.code).toBe(1);
  });

  test("concurrent copies answered 409 in_progress while one ran are not a failure", async () => {
    const { receiver, runs } = ours(schemes.vastai, 400);
    const { url } = await serve(receiver);
    const args = [
      "send",
      "--scheme",
      "vastai",
      "--url",
      url,
      "--id",
      "evt_race",
      "--repeat",
      "6",
      "--concurrency",
      "6",
    ];
    const run = await hooks([...args, "--json"], { HOOKS_SECRET: SECRET });
    const { summary } = JSON.parse(run.stdout) as { summary: { ok: boolean; answers: Record<string, number> } };
    expect(summary.answers["200 processed"]).toBe(1);
    expect(summary.answers["409 in_progress"]).toBeGreaterThan(0); // the case under test did happen
    expect(summary.ok).toBe(true);
    expect(runs.get("evt_race")).toBe(1);
    expect(run.code).toBe(0);
  });

  test("409 in_progress with no copy accepted is a failure", async () => {
    const { url } = await answering(409, "in_progress");
    const run = await hooks(["send", "--scheme", "vastai", "--url", url, "--repeat", "2", "--concurrency", "2"], {
      HOOKS_SECRET: SECRET,
    });
    expect(run.stderr).toContain("2 of 2 not accepted: 409 in_progress");
    expect(run.code).toBe(1);
  });
});

describe("a repeated --id is the same delivery", () => {
  // The second run's clock is two minutes ahead (inside the 5-minute window): a body that read
  // the clock would differ, and the receiver would answer 422 fingerprint_mismatch.
  const later = ["--import", join(FIXTURES, "later.mjs")];
  test.each([
    ["vastai", schemes.vastai, "instance.ready"],
    ["stripe", schemes.stripe, "invoice.paid"],
    ["github", schemes.github, "issues.opened"],
    ["shopify", schemes.shopify, "orders/create"],
    ["slack", schemes.slack, "app_mention"],
  ] as const)("%s: the second send gets 200 duplicate", async (name, scheme, type) => {
    const { receiver, runs } = ours(scheme);
    const { url, requests } = await serve(receiver);
    const args = ["send", type, "--scheme", name, "--url", url, "--id", `${name}-same-1`];
    const first = await hooks(args, { HOOKS_SECRET: SECRET });
    expect(first.stdout).toMatch(/^#1 {2}200 processed/m);
    const second = await hooks(args, { HOOKS_SECRET: SECRET, HOOKS_TEST_CLOCK_OFFSET_MS: "120000" }, later);
    expect(second.stdout).toMatch(/^#1 {2}200 duplicate/m);
    expect(second.code).toBe(0);
    expect(requests[1]?.body.equals(requests[0]!.body)).toBe(true);
    expect(runs.get(`${name}-same-1`)).toBe(1);
  });

  test("without --id, each run is a new event", async () => {
    const { receiver, runs } = ours();
    const { url } = await serve(receiver);
    await hooks(["send", "--scheme", "vastai", "--url", url], { HOOKS_SECRET: SECRET });
    const second = await hooks(["send", "--scheme", "vastai", "--url", url], { HOOKS_SECRET: SECRET });
    expect(second.stdout).toMatch(/^#1 {2}200 processed/m);
    expect(runs.size).toBe(2);
  });

  test("--created pins created; another --created is another body (422 fingerprint_mismatch, exit 1)", async () => {
    const { receiver } = ours();
    const { url, requests } = await serve(receiver);
    const args = ["send", "--scheme", "vastai", "--url", url, "--id", "evt_created_1", "--created"];
    expect((await hooks([...args, "1741948961"], { HOOKS_SECRET: SECRET })).code).toBe(0);
    expect(JSON.parse(requests[0]!.body.toString("utf8"))).toMatchObject({ created: 1741948961 });
    const other = await hooks([...args, "1741948962"], { HOOKS_SECRET: SECRET });
    expect(other.stdout).toMatch(/^#1 {2}422 fingerprint_mismatch/m);
    expect(other.code).toBe(1);
  });
});

describe("hooks audit stops when the valid delivery is refused", () => {
  test("a wrong secret: one line, exit 1, no attack scored", async () => {
    const { receiver } = ours();
    const { url, requests } = await serve(receiver);
    const run = await hooks(["audit", "--url", url, "--scheme", "vastai", "--secret", "wrong-secret"]);
    expect(run.stderr.trim()).toBe(
      "hooks: the valid delivery was refused (wrong secret or URL?): got 401 signature_mismatch; no attack was tried",
    );
    expect(run.stdout).not.toContain("can be attacked");
    expect(run.stdout).not.toContain("every case passed");
    expect(requests).toHaveLength(1);
    expect(run.code).toBe(1);
  });

  test("a wrong secret (--json): the report says the same", async () => {
    const { receiver } = ours(schemes.stripe);
    const { url } = await serve(receiver);
    const run = await hooks(["audit", "--url", url, "--scheme", "stripe", "--secret", "wrong-secret", "--json"]);
    expect(JSON.parse(run.stdout)).toEqual({
      url,
      scheme: "stripe",
      ok: false,
      error: "the valid delivery was refused (wrong secret or URL?)",
      got: "401 signature_mismatch",
      failed: 1,
      results: [expect.objectContaining({ case: "valid delivery", verdict: "FAIL", got: "401 signature_mismatch" })],
    });
    expect(run.code).toBe(1);
  });

  test("a dead URL", async () => {
    const run = await hooks(["audit", "--url", await deadUrl(), "--scheme", "github"], { HOOKS_SECRET: SECRET });
    expect(run.stderr).toContain("hooks: the valid delivery was refused (wrong secret or URL?): got ECONNREFUSED");
    expect(run.stdout).toBe("");
    expect(run.code).toBe(1);
  });

  test("a wrong path (404) on a live server", async () => {
    const { url } = await answering(404, "not_found");
    const run = await hooks(["audit", "--url", url, "--scheme", "shopify", "--json"], { HOOKS_SECRET: SECRET });
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, got: "404 not_found", failed: 1 });
    expect(run.code).toBe(1);
  });
});

describe("hooks --version", () => {
  test.each(["--version", "-v"])("%s prints the package.json version", async (flag) => {
    const run = await hooks([flag]);
    expect(run.stdout).toBe(`${version}\n`);
    expect(run.code).toBe(0);
  });

  test("the packed tarball reports the version in its own package.json", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hooks-cli-pack-"));
    try {
      const pnpm = join(PACKAGE, "..", "..", ".tools", "node_modules", ".bin", "pnpm");
      execFileSync(pnpm, ["pack", "--pack-destination", dir], { cwd: PACKAGE, stdio: "ignore" });
      execFileSync("tar", ["xzf", `hooks-cli-${version}.tgz`], { cwd: dir });
      // The unpacked package can resolve @hooks/core, as an installed one would.
      mkdirSync(join(dir, "node_modules", "@hooks"), { recursive: true });
      symlinkSync(
        realpathSync(join(PACKAGE, "node_modules", "@hooks", "core")),
        join(dir, "node_modules", "@hooks", "core"),
      );
      const packed = JSON.parse(readFileSync(join(dir, "package", "package.json"), "utf8")) as { version: string };
      const printed = execFileSync(process.execPath, [join(dir, "package", "dist", "cli.js"), "--version"], {
        encoding: "utf8",
      });
      expect(printed).toBe(`${packed.version}\n`);
      expect(packed.version).toBe(version);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a receiver whose own setup is wrong", () => {
  /** Our receiver deployed without its secret: it answers 500 invalid_secret with a message naming the fix. */
  async function unconfigured() {
    const receiver = createReceiver({ scheme: schemes.vastai, secret: undefined, logger: false });
    return serve(receiver);
  }

  test("send shows what the receiver says, not a guess about our secret", async () => {
    const { url } = await unconfigured();
    const run = await hooks(["send", "--scheme", "vastai", "--url", url], { HOOKS_SECRET: SECRET });
    expect(run.stderr).toContain(
      "hooks: 1 of 1 not accepted: 500 invalid_secret (the receiver says: the receiver has no signing secret",
    );
    expect(run.stderr).not.toContain("wrong secret");
    expect(run.code).toBe(1);
  });

  test("audit says the receiver failed, with its words, and tries no attack", async () => {
    const { url, requests } = await unconfigured();
    const run = await hooks(["audit", "--scheme", "vastai", "--url", url], { HOOKS_SECRET: SECRET });
    expect(run.stderr).toMatch(
      /^hooks: the valid delivery was refused \(the receiver failed: fix it first\): got 500 invalid_secret \(the receiver says: the receiver has no signing secret.*\); no attack was tried$/m,
    );
    expect(requests).toHaveLength(1);
    expect(run.code).toBe(1);
  });
});

describe("a hostile receiver", () => {
  test("its code and message reach the terminal without control characters, cut short; an endless answer is not buffered", async () => {
    const escapes = "\u001b]0;pwned\u0007\u001b[2J";
    const url = await listen((_request, response) => {
      response.writeHead(401, { "content-type": "application/json" });
      response.write(JSON.stringify({ code: `${escapes}${"x".repeat(500)}`, message: `${escapes}look here`, pad: "" }));
      // Then a body that never ends: the CLI must answer from what it has.
      const chunk = " ".repeat(64 * 1024);
      const more = () => {
        if (!response.destroyed && response.write(chunk)) setImmediate(more);
      };
      more();
    });
    const run = await hooks(["send", "--scheme", "vastai", "--url", url, "--timeout-ms", "5000"], {
      HOOKS_SECRET: SECRET,
    });
    const printed = [...(run.stdout + run.stderr)].map((char) => char.charCodeAt(0));
    expect(printed.filter((code) => (code < 0x20 && code !== 0x0a) || code === 0x7f)).toEqual([]);
    expect(run.stderr).toContain("not accepted: 401");
    expect(run.stderr).toContain("look here");
    expect(run.stderr).not.toContain("x".repeat(65));
    expect(run.code).toBe(1);
  });
});
