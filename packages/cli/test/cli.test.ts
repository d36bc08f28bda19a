// The built `hooks` command as a process, against our receiver and against a naive one written the classic way.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { RequestListener } from "node:http";
import { createReceiver, MemoryStore, type Scheme, schemes, verify } from "@hooks/core";
import { webhooks } from "@hooks/express";
import { sleep } from "@hooks/test-utils";
import express from "express";
import { describe, expect, test } from "vitest";
import { hooks, listen } from "./helpers";

const SECRET = "cli-test-secret";
const SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/** Our receiver behind @hooks/express, counting handler runs per event id. */
async function ours(scheme: Scheme = schemes.vastai, secret = SECRET) {
  const runs = new Map<string, number>();
  const receiver = createReceiver({ scheme, secret, store: new MemoryStore(), maxBodyBytes: 64 * 1024 });
  receiver.on("*", async (event) => {
    await sleep(10);
    runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
  });
  const app = express();
  app.post("/webhooks", webhooks(receiver));
  return { url: await listen(app), runs };
}

/**
 * The classic copy-pasted recipe, bugs included: `parseInt` on the timestamp, so "soon" is NaN and
 * `now - NaN > 300` is false; an age check only, so any future timestamp passes; `timingSafeEqual`
 * on buffers of different lengths (it throws → 500); no body limit; `JSON.parse` without a guard.
 */
function naive(): RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      try {
        const body = Buffer.concat(chunks).toString("utf8");
        const timestamp = String(req.headers["x-vastai-timestamp"]);
        const signature = String(req.headers["x-vastai-signature"] ?? "");
        const ts = Number.parseInt(timestamp, 10);
        if (Date.now() / 1000 - ts > 300) {
          res.writeHead(401).end("too old");
          return;
        }
        const expected = createHmac("sha256", SECRET).update(`${timestamp}.${body}`).digest("hex");
        if (!timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
          res.writeHead(401).end("bad signature");
          return;
        }
        JSON.parse(body);
        res.writeHead(200).end("ok");
      } catch {
        res.writeHead(500).end("internal error");
      }
    });
  };
}

interface Report {
  failed: number;
  results: { case: string; expected: string; got: string; verdict: string }[];
}

describe("hooks audit", () => {
  test("our receiver passes every case, and the table says so", async () => {
    const { url } = await ours();
    const run = await hooks(["audit", "--url", url, "--scheme", "vastai", "--max-body-bytes", "65536"], {
      HOOKS_SECRET: SECRET,
    });
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/case\s+expected\s+got\s+verdict/);
    expect(run.stdout).toMatch(/valid delivery\s+accepted\s+200 processed\s+ok/);
    expect(run.stdout).toMatch(/non-numeric timestamp\s+refused\s+400 invalid_timestamp\s+ok/);
    expect(run.stdout).toMatch(/future timestamp \(signed\)\s+refused\s+401 timestamp_in_future\s+ok/);
    expect(run.stdout).toMatch(/signature of the wrong length\s+refused\s+400 malformed_signature\s+ok/);
    expect(run.stdout).toMatch(/uppercase hex signature\s+accepted\s+200 processed\s+ok/);
    expect(run.stdout).toMatch(/oversized body \(signed\)\s+refused\s+413 payload_too_large\s+ok/);
    expect(run.stdout).toContain("every case passed");
    expect(run.code).toBe(0);
  });

  test.each([
    ["stripe", schemes.stripe, SECRET],
    ["github", schemes.github, SECRET],
    ["slack", schemes.slack, SECRET],
    ["shopify", schemes.shopify, SECRET],
    ["standard-webhooks", schemes.standardWebhooks, SW_SECRET],
    ["groq", schemes.groq, SECRET],
  ] as const)("our receiver on %s passes every case (--json)", async (name, scheme, secret) => {
    const { url } = await ours(scheme, secret);
    const run = await hooks(["audit", "--url", url, "--scheme", name, "--max-body-bytes", "65536", "--json"], {
      HOOKS_SECRET: secret,
    });
    const report = JSON.parse(run.stdout) as Report;
    expect(report.results.filter((r) => r.verdict !== "ok")).toEqual([]);
    expect(report.results[0]).toMatchObject({ case: "valid delivery", verdict: "ok" });
    expect(run.code).toBe(0);
  });

  test("the naive receiver is flagged: NaN timestamp bypass, future timestamp, 500 on a wrong-length signature", async () => {
    const url = await listen(naive());
    const run = await hooks(["audit", "--url", url, "--scheme", "vastai", "--json"], { HOOKS_SECRET: SECRET });
    const report = JSON.parse(run.stdout) as Report;
    const byCase = Object.fromEntries(report.results.map((r) => [r.case, r]));
    expect(byCase["valid delivery"]).toMatchObject({ got: "200 ok", verdict: "ok" });
    expect(byCase["non-numeric timestamp"]).toMatchObject({ expected: "refused", got: "200 ok", verdict: "FAIL" });
    expect(byCase["future timestamp (signed)"]).toMatchObject({ expected: "refused", got: "200 ok", verdict: "FAIL" });
    expect(byCase["signature of the wrong length"]).toMatchObject({ got: "500 internal error", verdict: "FAIL" });
    expect(byCase["stale timestamp (signed)"]).toMatchObject({ got: "401 too old", verdict: "ok" });
    // Comparing hex as text refuses the same signature in uppercase: an interop warning, not a hole.
    expect(byCase["uppercase hex signature"]).toMatchObject({ got: "401 bad signature", verdict: "warn" });
    expect(report.failed).toBeGreaterThanOrEqual(3);
    expect(run.code).toBe(1);
  });

  test("the text table flags the naive receiver's holes and the command exits 1", async () => {
    const url = await listen(naive());
    const run = await hooks(["audit", "--url", url, "--scheme", "vastai"], { HOOKS_SECRET: SECRET });
    expect(run.stdout).toMatch(/non-numeric timestamp\s+refused\s+200 ok\s+FAIL/);
    expect(run.stdout).toMatch(/signature of the wrong length\s+refused\s+500 internal error\s+FAIL/);
    expect(run.stdout).toMatch(/cases failed: this receiver can be attacked/);
    expect(run.code).toBe(1);
  });

  test("a receiver that never answers stops the audit at the valid delivery, not a hang of the audit", async () => {
    let requests = 0;
    const url = await listen(() => {
      requests++; // reads nothing, answers nothing
    });
    const run = await hooks(["audit", "--url", url, "--scheme", "github", "--timeout-ms", "300", "--json"], {
      HOOKS_SECRET: SECRET,
    });
    const report = JSON.parse(run.stdout) as Report & { ok: boolean; error: string };
    expect(report).toMatchObject({ ok: false, error: "the valid delivery was refused (wrong secret or URL?)" });
    expect(report.results).toEqual([expect.objectContaining({ case: "valid delivery", got: "no answer in 300 ms" })]);
    expect(requests).toBe(1);
    expect(run.code).toBe(1);
  });
});

describe("hooks send", () => {
  test("20 copies of one delivery, 10 at a time: the handler ran once, the summary counts the answers", async () => {
    const { url, runs } = await ours();
    const run = await hooks(
      ["send", "instance.ready", "--url", url, "--scheme", "vastai", "--id", "evt_send_1", "--repeat", "20"],
      { HOOKS_SECRET: SECRET },
    );
    expect(run.stdout).toMatch(/^#1 {2}200 processed {2}\d+ ms$/m);
    expect(run.stdout).toMatch(/^#20 {2}200 duplicate {2}\d+ ms$/m);
    expect(run.stdout).toMatch(
      /20 deliveries of instance\.ready evt_send_1: 1× 200 processed, 19× 200 duplicate; p50 \d+ ms/,
    );
    expect(runs.get("evt_send_1")).toBe(1);
    expect(run.code).toBe(0);

    const concurrent = await hooks(
      [
        "send",
        "instance.ready",
        "--url",
        url,
        "--scheme",
        "vastai",
        "--id",
        "evt_send_2",
        "--repeat",
        "20",
        "--concurrency",
        "10",
        "--data",
        '{"gpu_name":"A100"}',
        "--json",
      ],
      { HOOKS_SECRET: SECRET },
    );
    const { summary } = JSON.parse(concurrent.stdout) as { summary: { answers: Record<string, number> } };
    expect(summary.answers["200 processed"]).toBe(1);
    expect(runs.get("evt_send_2")).toBe(1);
  });

  test("the secret comes from --secret too, and a wrong one is reported per delivery and fails the command", async () => {
    const { url } = await ours();
    const run = await hooks(["send", "x.y", "--url", url, "--scheme", "vastai", "--secret", "wrong"]);
    expect(run.stdout).toMatch(/^#1 {2}401 signature_mismatch/m);
    expect(run.stdout).toMatch(/^1 delivery of x\.y \S+: 1× 401 signature_mismatch;/m);
    expect(run.stderr.trim()).toBe("hooks: 1 of 1 not accepted: 401 signature_mismatch (wrong secret?)");
    expect(run.code).toBe(1);
  });
});

describe("hooks sign", () => {
  test("prints headers the core verifies, and a curl line", async () => {
    const body = '{"id":"evt_sign","type":"a.b","data":{},"created":1}';
    const run = await hooks(["sign", "--scheme", "stripe", "--body", body, "--json"], { HOOKS_SECRET: SECRET });
    const { headers, curl } = JSON.parse(run.stdout) as { headers: Record<string, string>; curl: string };
    await expect(verify({ scheme: schemes.stripe, secret: SECRET, headers, payload: body })).resolves.toBeTruthy();
    expect(curl).toContain(`-H 'stripe-signature: ${headers["stripe-signature"]}'`);
    expect(curl).toContain(`--data-raw '${body}'`);
  });
});

describe("usage", () => {
  test.each(["sign", "send", "audit"])("hooks %s --help explains the command and exits 0", async (command) => {
    const run = await hooks([command, "--help"]);
    expect(run.stdout).toContain(`hooks ${command}:`);
    expect(run.stdout).toContain("HOOKS_SECRET");
    expect(run.code).toBe(0);
  });

  test.each([
    [
      ["audit", "--url", "http://127.0.0.1:9/webhooks", "--scheme", "vastai"],
      "hooks: no secret: pass --secret or set HOOKS_SECRET",
    ],
    [
      ["audit", "--url", "http://127.0.0.1:9/", "--scheme", "paypal", "--secret", "s"],
      'hooks: unknown scheme "paypal"',
    ],
    [
      ["send", "a.b", "--url", "http://127.0.0.1:9/", "--scheme", "stripe", "--secret", "s", "--event", "x"],
      "hooks: --event is for github and shopify; stripe carries the type in the body",
    ],
    [
      ["send", "--url", "http://127.0.0.1:9/", "--scheme", "github", "--secret", "s", "--body", "{}"],
      "hooks: pass --event: the x-github-event header GitHub sends with this body",
    ],
    [
      ["send", "--url", "http://127.0.0.1:9/", "--scheme", "shopify", "--secret", "s", "--body", "{}"],
      "hooks: pass --event: the topic Shopify sends with this body",
    ],
    [
      ["sign", "--scheme", "vastai", "--secret", "s", "--data", "{}", "--body", "{}"],
      "hooks: pass one of --data, --body and --file",
    ],
    [["sign", "--scheme", "vastai", "--secret", "s", "--data", "{"], "hooks: --data is not valid JSON"],
    [["sign", "--scheme", "vastai", "--secret", "s", "--header", "no-equals"], "hooks: --header must be name=value"],
    [["sign", "--scheme", "vastai", "--secret", "s", "--id", "a b"], "hooks: --id must be 1 to 256 printable"],
    [["sign", "--scheme", "vastai", "--secret", "s", "--created", "soon"], "hooks: --created must be"],
    [["sign", "a.b", "c.d", "--scheme", "vastai", "--secret", "s"], 'hooks: unexpected argument "c.d"'],
    [
      ["audit", "--url", "http://x", "--scheme", "vastai", "--event", "e"],
      "hooks: --event is not an option of hooks audit",
    ],
    [
      ["send", "a.b", "--url", "http://x", "--scheme", "vastai", "--secret", "s", "--repeat", "0"],
      "hooks: --repeat must be",
    ],
    [["audit", "--bogus"], "hooks: Unknown option '--bogus'"],
    [["deploy"], 'hooks: unknown command "deploy"'],
  ])("%j fails with one clear line and exit code 2", async (args, message) => {
    const run = await hooks(args);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe("");
    expect(run.code).toBe(2);
  });
});

describe("programmatic use", () => {
  test("audit() and table() from the package, as the README shows", async () => {
    const { audit, profileOf, table } = await import("../src/index");
    const { url } = await ours(schemes.github);
    const results = await audit({ url, profile: profileOf("github"), secret: SECRET, maxBodyBytes: 64 * 1024 });
    expect(results.map((r) => r.verdict)).not.toContain("FAIL");
    expect(table(results)).toMatch(/^valid delivery\s+accepted\s+200 processed\s+ok\s+\d+$/m);
  });
});
