// README's main job: the examples/express receiver (in-memory store, Redis when REDIS_URL is set) on
// 127.0.0.1, a scripted story of real signed deliveries, then `hooks audit` against it, all in one
// table of outcomes. Exits 0 only when every outcome was the expected one.
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createApp } from "../examples/express/app.mjs";
import { schemes, sign } from "../packages/core/dist/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const secret = "demo-secret-not-for-production";
const scheme = schemes.vastai;
const maxBodyBytes = 64 * 1024;
let failNext = false;
let reportServiceDown = true;
const SLOW_MS = 1500;

// The example's handler does "some real work"; the demo makes it fail once to show the retry.
// The queue-mode route's handler takes SLOW_MS, longer than some senders wait, and fails for events
// marked `broken` while the "report service" is down, to show retries ending in a dead letter.
// What the receivers log (by default to the console): kept here and shown after the table, one line each.
const logged = [];
const keep = (level) => (fields, message) => logged.push({ level, fields, message });
const { app, handled, queue, store, close } = await createApp({
  logger: { error: keep("error"), warn: keep("warn") },
  slowWork: async (event) => {
    await new Promise((resolve) => setTimeout(resolve, event.data.broken ? 5 : SLOW_MS));
    if (event.data.broken && reportServiceDown) throw new Error("the report service refuses it");
  },
  queueOptions: { attempts: 3, backoffMs: 50 },
  secret,
  maxBodyBytes,
  work: async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (failNext) {
      failNext = false;
      throw new Error("the database is briefly down");
    }
  },
});
const server = await new Promise((resolve) => {
  const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
});
const url = `http://127.0.0.1:${server.address().port}/webhooks`;

const run = Date.now().toString(36); // fresh ids per run, so a shared Redis never answers "duplicate" from last time
const now = Math.floor(Date.now() / 1000);
const event = (id, type = "instance.ready", data = { gpu: "A100" }) =>
  JSON.stringify({ id: `${id}_${run}`, type, data, created: now });
const signed = async (body, options = {}) => ({
  body,
  headers: await sign({ scheme, secret, payload: body, timestamp: now, ...options }),
});
const post = async ({ body, headers }, to = url) => {
  const response = await fetch(to, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body,
  });
  return { status: response.status, code: (await response.json()).code };
};

const rows = [];
const record = (name, expected, got, note = "") =>
  rows.push({ case: name, expected, got, verdict: expected === got ? "ok" : "WRONG", note });
const one = async (name, delivery, expected) => {
  const { status, code } = await post(delivery);
  record(name, expected, `${status} ${code}`);
};

// The story: what a webhook sender really does to an endpoint over a day.
const first = await signed(event("evt_1"));
await one("valid delivery", first, "200 processed");
await one("the sender retries it", first, "200 duplicate");

const race = await signed(event("evt_2"));
const answers = await Promise.all(Array.from({ length: 10 }, () => post(race)));
const ran = handled.get(`evt_2_${run}`) ?? 0;
const processed = answers.filter((answer) => answer.code === "processed").length;
record(
  "10 concurrent copies",
  "handler ran once",
  ran === 1 && processed === 1 ? "handler ran once" : `ran ${ran}×`,
  answers
    .map((answer) => answer.status)
    .sort()
    .join(" "),
);

failNext = true;
const flaky = await signed(event("evt_3"));
await one("handler fails", flaky, "500 handler_failed");
await one("the sender's retry", flaky, "200 processed");
await one(
  "same id, other payload",
  await signed(event("evt_1", "instance.ready", { gpu: "H100" })),
  "422 fingerprint_mismatch",
);
await one("type with no handler", await signed(event("evt_4", "billing.updated")), "200 unhandled");
await one("replayed, 10 minutes old", await signed(event("evt_5"), { timestamp: now - 600 }), "401 timestamp_too_old");
await one(
  "timestamp 10 minutes ahead",
  await signed(event("evt_6"), { timestamp: now + 600 }),
  "401 timestamp_in_future",
);
await one(
  "tampered body",
  { ...(await signed(event("evt_7"))), body: event("evt_7", "instance.ready", { gpu: "free" }) },
  "401 signature_mismatch",
);

// Queue mode: a handler slower than the sender waits is answered 202 as soon as it is queued.
const slowUrl = `${url}/slow`;
const slow = await signed(event("evt_8", "report.requested", { pages: 40 }));
const slowStarted = performance.now();
const queued = await post(slow, slowUrl);
const answeredMs = Math.round(performance.now() - slowStarted);
record(
  `queue mode: ${SLOW_MS} ms handler`,
  "202 queued",
  `${queued.status} ${queued.code}`,
  `answered in ${answeredMs} ms`,
);
const retried = await post(slow, slowUrl);
record("queue mode: the sender retries it", "200 duplicate", `${retried.status} ${retried.code}`);
const until = async (check) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
};
await until(() => handled.has(`evt_8_${run}`));
record(
  "queue mode: the worker ran it",
  "handler ran once",
  handled.get(`evt_8_${run}`) === 1 ? "handler ran once" : `ran ${handled.get(`evt_8_${run}`) ?? 0}×`,
  `after ${Math.round(performance.now() - slowStarted)} ms`,
);
const broken = await signed(event("evt_9", "report.requested", { broken: true }));
await post(broken, slowUrl);
await until(() => queue.deadLetters().length > 0);
const [dead] = queue.deadLetters();
record(
  "queue mode: a handler that keeps failing",
  "dead-lettered after 3 attempts",
  dead ? `dead-lettered after ${dead.attempts} attempts` : "not dead-lettered",
  dead ? `${dead.error.message}` : "",
);
if (dead) {
  reportServiceDown = false; // the report service is back: re-drive the dead letter
  queue.redrive(dead.event.key);
  await until(() => handled.has(`evt_9_${run}`));
}
record(
  "queue mode: re-driven after the fix",
  "handler ran once",
  handled.get(`evt_9_${run}`) === 1 ? "handler ran once" : `ran ${handled.get(`evt_9_${run}`) ?? 0}×`,
);

// Then the audit, exactly as a user runs it against their own endpoint: the built `hooks` command
// (asynchronously: the receiver answering it lives in this process).
const audit = await new Promise((resolve) => {
  execFile(
    process.execPath,
    [
      join(root, "packages", "cli", "dist", "cli.js"),
      "audit",
      "--url",
      url,
      "--scheme",
      "vastai",
      "--type",
      "instance.audit",
      "--max-body-bytes",
      String(maxBodyBytes),
      "--json",
    ],
    { encoding: "utf8", env: { ...process.env, HOOKS_SECRET: secret } },
    (error, stdout, stderr) => resolve({ status: error ? (error.code ?? 1) : 0, stdout, stderr }),
  );
});
let report;
try {
  report = JSON.parse(audit.stdout);
} catch {
  record("hooks audit", "runs", `exit ${audit.status}: ${audit.stderr.trim()}`);
}
for (const result of report?.results ?? []) {
  // A correct receiver gets every case right, including accepting uppercase hex (same signature).
  record(
    `audit: ${result.case}`,
    `${result.expected}`,
    result.verdict === "ok" ? result.expected : result.got,
    result.got,
  );
}
if (report && audit.status !== 0) record("hooks audit exit code", "0", String(audit.status));

server.close();
await close();

const columns = Object.keys(rows[0]);
const widths = columns.map((key) => Math.max(key.length, ...rows.map((row) => String(row[key]).length)));
const line = (values) =>
  values
    .map((value, i) => String(value).padEnd(widths[i]))
    .join("  ")
    .trimEnd();
console.log(`\nhooks demo: examples/express on the ${store} store at ${url}, real signed deliveries\n`);
console.log(line(columns));
console.log(line(widths.map((width) => "-".repeat(width))));
for (const row of rows) console.log(line(columns.map((key) => row[key])));
console.log(`\nwhat the receivers logged (${logged.length} lines; refusals at most one per code every 10 s):`);
for (const { level, fields, message } of logged) {
  const why = fields.err instanceof Error ? `: ${fields.err.message}` : "";
  const more = fields.suppressed ? ` (+${fields.suppressed} more)` : "";
  console.log(`  ${level.padEnd(5)}  ${message}${why}${more}`);
}
const wrong = rows.filter((row) => row.verdict !== "ok").length;
console.log(
  `\n${wrong === 0 ? "every outcome was the expected one" : `${wrong} outcome(s) were not the expected one`}`,
);
process.exit(wrong === 0 ? 0 : 1);
