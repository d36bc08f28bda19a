// The built `hooks dead-letters` as a process, on a real BullMQ queue holding real dead letters.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BullMQQueue, createWorker, type HooksWorker, jobIdOf } from "@hooks/bullmq";
import { createReceiver, MemoryStore, type Receiver, schemes } from "@hooks/core";
import { eventBody, signedDelivery, until } from "@hooks/test-utils";
import { redisUrl } from "@hooks/test-utils/redis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const DIST = join(import.meta.dirname, "..", "dist");
const CLI = join(DIST, "cli.js");
const SECRET = "dead-letters-test-secret";
const connection = { url: redisUrl, maxRetriesPerRequest: null };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a built CLI without blocking this process, whose worker runs the re-driven jobs. */
function hooks(args: string[], { cli = CLI, env = {} }: { cli?: string; env?: Record<string, string> } = {}) {
  const started = Date.now();
  return new Promise<Run>((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { encoding: "utf8", timeout: 60_000, env: { ...process.env, REDIS_URL: "", ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, ms: Date.now() - started }),
    );
  });
}

const name = `hooks-test-${randomUUID()}`;
const queue = new BullMQQueue({ connection, name, attempts: 1 });
const ids = ["evt_dl_1", "evt_dl_2"];
const keys = ids.map((id) => `vastai:${id}`);
const at = ["--redis-url", redisUrl, "--queue", name];
let failing = true;
let receiver: Receiver;
let worker: HooksWorker;

const stateOf = (key: string) => queue.queue.getJobState(jobIdOf(key));

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error("build @hooks/cli first: pnpm --filter @hooks/cli build");
  receiver = createReceiver({ scheme: schemes.vastai, secret: SECRET, queue, store: new MemoryStore() });
  receiver.on("resource.created", () => {
    if (failing) throw new Error("boom");
  });
  worker = createWorker({ receiver, connection, name, concurrency: 2 });
  for (const id of ids) {
    const answer = await receiver.receive(await signedDelivery(eventBody(id), { secret: SECRET }));
    expect(answer.status).toBe(202);
  }
  await until(async () => (await queue.deadLetters()).length === 2, { message: "both events to be dead-lettered" });
});

afterAll(async () => {
  await worker?.close({ timeoutMs: 1000 });
  await queue.queue.obliterate({ force: true });
  await queue.close();
});

describe("hooks dead-letters", () => {
  test("lists both dead letters in a table: key, type, attempts, failed at, error", async () => {
    const run = await hooks(["dead-letters", ...at]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^key\s+type\s+attempts\s+failed at\s+error$/m);
    for (const key of keys) {
      expect(run.stdout).toMatch(
        new RegExp(`^${key}\\s+resource\\.created\\s+1\\s+\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\s+boom$`, "m"),
      );
    }
    expect(run.stdout).toContain(`2 dead letters in ${name}`);
    expect(run.code).toBe(0);
  });

  test("--json has both, with the full error and the event", async () => {
    const run = await hooks(["dead-letters", ...at, "--json"]);
    const report = JSON.parse(run.stdout) as {
      queue: string;
      total: number;
      deadLetters: { key: string; jobId: string; error: string; attempts: number; failedAt: string }[];
    };
    expect(report.queue).toBe(name);
    expect(report.total).toBe(2);
    expect(report.deadLetters.map((letter) => letter.key).sort()).toEqual(keys);
    for (const letter of report.deadLetters) {
      expect(letter).toMatchObject({ jobId: jobIdOf(letter.key), error: "boom", attempts: 1 });
      expect(new Date(letter.failedAt).toISOString()).toBe(letter.failedAt);
    }
    expect(run.code).toBe(0);
  });

  test("another prefix is another queue: nothing there", async () => {
    const prefix = `hooks-test-${randomUUID()}`;
    const run = await hooks(["dead-letters", ...at, "--prefix", prefix]);
    expect(run.stdout.trim()).toBe(`no dead letters in ${name}`);
    expect(run.code).toBe(0);
    // BullMQ records the queue's meta on connecting, even to read: remove what the lookup left.
    const empty = new BullMQQueue({ connection, name, prefix });
    await empty.queue.obliterate({ force: true });
    await empty.close();
  });

  test("--redrive <key> puts one back; with the handler fixed it completes", async () => {
    failing = false;
    const [first, second] = keys as [string, string];
    const run = await hooks(["dead-letters", ...at, "--redrive", first]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain(`re-drove ${first} in ${name}`);
    expect(run.code).toBe(0);
    await until(async () => (await stateOf(first)) === "completed", { message: "the re-driven job to complete" });
    expect(await stateOf(second)).toBe("failed");
  });

  test("--redrive of a key with no dead letter exits 1 with one clear line", async () => {
    const run = await hooks(["dead-letters", ...at, "--redrive", "vastai:evt_nope"]);
    expect(run.stderr.trim()).toBe(
      `hooks: no dead letter "vastai:evt_nope" in ${name}: run hooks dead-letters to list them`,
    );
    expect(run.stdout).toBe("");
    expect(run.code).toBe(1);
    // A completed job is no dead letter either.
    const again = await hooks(["dead-letters", ...at, "--redrive", keys[0] as string]);
    expect(again.stderr).toContain("no dead letter");
    expect(again.code).toBe(1);
  });

  test("--redrive-all puts the rest back and says how many; then the queue has none", async () => {
    const run = await hooks(["dead-letters", ...at, "--redrive-all"]);
    expect(run.stdout.trim()).toBe(`re-drove 1 dead letter in ${name}`);
    expect(run.code).toBe(0);
    await until(async () => (await stateOf(keys[1] as string)) === "completed", {
      message: "the re-driven job to complete",
    });
    const empty = await hooks(["dead-letters", ...at]);
    expect(empty.stdout.trim()).toBe(`no dead letters in ${name}`);
    expect(empty.code).toBe(0);
    const json = await hooks(["dead-letters", ...at, "--redrive-all", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual({ queue: name, redriven: 0 });
  });

  test("REDIS_URL is the default --redis-url", async () => {
    const run = await hooks(["dead-letters", "--queue", name], { env: { REDIS_URL: redisUrl } });
    expect(run.stdout.trim()).toBe(`no dead letters in ${name}`);
    expect(run.code).toBe(0);
  });
});

describe("hooks dead-letters without a Redis", () => {
  test("an unreachable Redis: exit 1 soon after --timeout-ms, one line, no hang", async () => {
    const run = await hooks(["dead-letters", "--redis-url", "redis://127.0.0.1:1", "--timeout-ms", "500"]);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("hooks: no answer from Redis at redis://127.0.0.1:1 within 500 ms");
    expect(run.stdout).toBe("");
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(5000);
  });

  test.each([
    ["list", []],
    ["redrive", ["--redrive", "vastai:evt_1"]],
    ["redrive-all", ["--redrive-all", "--json"]],
  ])("the URL's password never shows (%s)", async (_, args) => {
    const run = await hooks([
      "dead-letters",
      "--redis-url",
      "redis://user:sekrit@127.0.0.1:1",
      "--timeout-ms",
      "300",
      ...args,
    ]);
    expect(run.stdout + run.stderr).not.toContain("sekrit");
    expect(run.stderr).toContain("redis://user:***@127.0.0.1:1");
    expect(run.code).toBe(1);
  });

  test.each([
    [[], "hooks: no Redis: pass --redis-url redis://… or set REDIS_URL"],
    [["--redis-url", "http://user:sekrit@x"], "hooks: --redis-url must start with redis:// or rediss://"],
    [["--redis-url", redisUrl, "--queue", "a:b"], "hooks: --queue must be a name without ':'"],
    [
      ["--redis-url", redisUrl, "--redrive", "k", "--redrive-all"],
      "hooks: pass --redrive <key> or --redrive-all, not both",
    ],
    [["--redis-url", redisUrl, "--timeout-ms", "0"], "hooks: --timeout-ms must be"],
  ])("%j fails with one clear line and exit code 2", async (args, message) => {
    const run = await hooks(["dead-letters", ...args]);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain("sekrit");
    expect(run.stdout).toBe("");
    expect(run.code).toBe(2);
  });

  test("hooks dead-letters --help explains the command, and the main usage lists it", async () => {
    const run = await hooks(["dead-letters", "--help"]);
    expect(run.stdout).toContain("hooks dead-letters:");
    expect(run.stdout).toContain("--redrive-all");
    expect(run.code).toBe(0);
    const main = await hooks(["--help"]);
    expect(main.stdout).toContain("hooks dead-letters --redis-url");
  });
});

describe("without @hooks/bullmq installed", () => {
  // The built files in a directory that can resolve @hooks/core but not @hooks/bullmq or bullmq.
  const dir = mkdtempSync(join(tmpdir(), "hooks-cli-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = join(dir, "dist", "cli.js");
  beforeAll(() => {
    cpSync(DIST, join(dir, "dist"), { recursive: true });
    mkdirSync(join(dir, "node_modules", "@hooks"), { recursive: true });
    symlinkSync(
      realpathSync(join(import.meta.dirname, "..", "node_modules", "@hooks", "core")),
      join(dir, "node_modules", "@hooks", "core"),
    );
  });

  test("dead-letters says what to install (exit 2); sign still works", async () => {
    const run = await hooks(["dead-letters", "--redis-url", redisUrl], { cli });
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("npm install @hooks/bullmq @hooks/core bullmq");
    expect(run.code).toBe(2);
    const signed = await hooks(["sign", "--scheme", "stripe", "--secret", "s", "--json"], { cli });
    expect(JSON.parse(signed.stdout).headers["stripe-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(signed.code).toBe(0);
  });
});
