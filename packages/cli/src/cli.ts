#!/usr/bin/env node
// The `hooks` command: parses arguments with node:util, runs sign / send / audit / dead-letters, prints one-line errors.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { audit } from "./audit";
import { deadLettersCommand } from "./dead-letters";
import { post } from "./http";
import { envelope, profileNames, profileOf, signed, UsageError } from "./profiles";
import { table } from "./table";

const SCHEMES = profileNames.join("|");
const COMMON = `  --scheme <name>     ${SCHEMES}
  --secret <s>        the signing secret (or set HOOKS_SECRET, which keeps it out of shell history)
  --json              machine-readable output
  --help              this text`;

const HELP: Record<string, string> = {
  main: `hooks: sign webhook deliveries, send them, audit a receiver, and re-drive dead letters.

usage:
  hooks sign  --scheme <name> [--data JSON | --file F] [--url U]
  hooks send  <type> --url <u> --scheme <name> [--data JSON] [--id ID] [--repeat N] [--concurrency C]
  hooks audit --url <u> --scheme <name> [--type T] [--max-body-bytes B] [--timeout-ms MS]
  hooks dead-letters --redis-url <url> [--queue <name>] [--prefix <p>] [--redrive <key> | --redrive-all]

Run \`hooks <command> --help\` for details. The secret comes from --secret or HOOKS_SECRET.`,
  sign: `hooks sign: print the headers that sign a body, and a ready curl line.

usage: hooks sign --scheme <name> [--data BODY | --file F] [--url U] [--timestamp S] [--id ID]
  --data BODY         the exact body to sign (default: a sample event envelope)
  --file F            sign the bytes of file F instead
  --url U             the URL in the curl line (default http://localhost:3000/webhooks)
  --timestamp S       unix seconds to sign with (default now)
  --id ID             the delivery id, for schemes that send one
${COMMON}`,
  send: `hooks send: send signed deliveries of one event and report status and latency.

usage: hooks send <type> --url <u> --scheme <name> [--data JSON] [--id ID] [--repeat N] [--concurrency C]
  <type>              the event type, e.g. invoice.paid
  --data JSON         the event's data (default {})
  --id ID             the event id (default a random one)
  --repeat N          send the same delivery N times, as a retrying sender would (default 1)
  --concurrency C     how many are in flight at once (default 1)
  --timeout-ms MS     per delivery (default 10000)
${COMMON}

Exits 1 when any delivery got no answer or a 5xx.`,
  audit: `hooks audit: attack a receiver with named cases and report which ones it got wrong.

usage: hooks audit --url <u> --scheme <name> [--type T] [--max-body-bytes B] [--timeout-ms MS]
  --type T            event type of the deliveries (default audit.ping)
  --max-body-bytes B  the receiver's body limit; the oversized case sends twice this (default 1048576)
  --timeout-ms MS     how long a case may take before it counts as a hang (default 10000)
${COMMON}

Every attack must be refused with a 4xx, never a 5xx or a hang; the valid delivery must be accepted.
Exits 1 when any case failed. Each case is explained in the @hooks/cli README.`,
  "dead-letters": `hooks dead-letters: list the dead letters of a @hooks/bullmq queue, and re-drive them.

usage: hooks dead-letters --redis-url <url> [--queue <name>] [--prefix <p>] [--redrive <key> | --redrive-all]
  --redis-url <url>   the queue's Redis, e.g. redis://127.0.0.1:6379 (default: REDIS_URL)
  --queue <name>      the BullMQ queue name (default hooks-events)
  --prefix <p>        BullMQ's key prefix, if the queue was given one (default bull)
  --redrive <key>     put one dead letter back for a fresh set of attempts: its event key, e.g. stripe:evt_1
  --redrive-all       put every dead letter back
  --timeout-ms MS     how long Redis may take to answer (default 10000)
  --json              machine-readable output
  --help              this text

Without --redrive or --redrive-all, lists the newest 100 dead letters. Needs @hooks/bullmq and bullmq
installed next to @hooks/cli. Exits 1 when Redis does not answer or there is no such dead letter.`,
};

const OPTIONS = {
  scheme: { type: "string" },
  secret: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  url: { type: "string" },
  data: { type: "string" },
  file: { type: "string" },
  id: { type: "string" },
  timestamp: { type: "string" },
  repeat: { type: "string" },
  concurrency: { type: "string" },
  type: { type: "string" },
  "max-body-bytes": { type: "string" },
  "timeout-ms": { type: "string" },
  "redis-url": { type: "string" },
  queue: { type: "string" },
  prefix: { type: "string" },
  redrive: { type: "string" },
  "redrive-all": { type: "boolean" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[1-9][0-9]{0,9}$/.test(value))
    throw new UsageError(`--${name} must be a positive whole number, not "${value}"`);
  return Number(value);
}

function secretOf(values: Values): string {
  const secret = values.secret ?? process.env.HOOKS_SECRET;
  if (!secret) throw new UsageError("no secret: pass --secret or set HOOKS_SECRET");
  return secret;
}

function urlOf(values: Values): string {
  if (!values.url) throw new UsageError("--url is required, e.g. --url http://localhost:3000/webhooks");
  if (!/^https?:\/\//.test(values.url))
    throw new UsageError(`--url must start with http:// or https://, not "${values.url}"`);
  return values.url;
}

function parseData(text: string | undefined): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError("--data is not valid JSON");
  }
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

async function signCommand(values: Values): Promise<number> {
  const profile = profileOf(values.scheme);
  const secret = secretOf(values);
  const id = values.id ?? `evt_${crypto.randomUUID()}`;
  const timestamp = values.timestamp === undefined ? undefined : positiveInteger(values.timestamp, "timestamp", 0);
  let body: string | Uint8Array;
  let extra = {};
  if (values.file !== undefined) {
    try {
      body = readFileSync(values.file);
    } catch {
      throw new UsageError(`cannot read --file ${values.file}`);
    }
  } else if (values.data !== undefined) body = values.data;
  else
    ({ body, headers: extra } = envelope(profile, { id, type: "test.ping", data: {} }, Math.floor(Date.now() / 1000)));
  const delivery = await signed(profile, secret, body, {
    id,
    extra,
    ...(timestamp === undefined ? {} : { timestamp }),
  });
  const url = values.url ?? "http://localhost:3000/webhooks";
  const headerFlags = Object.entries({ "content-type": "application/json", ...delivery.headers })
    .map(([name, value]) => `-H ${quote(`${name}: ${value}`)}`)
    .join(" ");
  const data = values.file !== undefined ? `--data-binary @${quote(values.file)}` : `--data-raw ${quote(String(body))}`;
  const curl = `curl -X POST ${quote(url)} ${headerFlags} ${data}`;
  if (values.json) console.log(JSON.stringify({ headers: delivery.headers, curl }, null, 2));
  else {
    for (const [name, value] of Object.entries(delivery.headers)) console.log(`${name}: ${value}`);
    console.log(`\n${curl}`);
  }
  return 0;
}

async function sendCommand(values: Values, positionals: string[]): Promise<number> {
  const type = positionals[0];
  if (!type) throw new UsageError("the event type is required: hooks send <type> --url … (see hooks send --help)");
  const url = urlOf(values);
  const profile = profileOf(values.scheme);
  const secret = secretOf(values);
  const repeat = positiveInteger(values.repeat, "repeat", 1);
  const concurrency = positiveInteger(values.concurrency, "concurrency", 1);
  const timeoutMs = positiveInteger(values["timeout-ms"], "timeout-ms", 10_000);
  const id = values.id ?? `evt_${crypto.randomUUID()}`;
  const event = envelope(profile, { id, type, data: parseData(values.data) }, Math.floor(Date.now() / 1000));
  const delivery = await signed(profile, secret, event.body, { id, extra: event.headers });

  const results: { n: number; status: number | undefined; code: string; ms: number }[] = [];
  const bar = !values.json && repeat > 20 && process.stderr.isTTY;
  let next = 0;
  const worker = async () => {
    while (next < repeat) {
      const n = ++next;
      const answer = await post(url, delivery.body, delivery.headers, timeoutMs);
      results.push({ n, ...answer });
      if (bar) {
        const width = 30;
        const filled = Math.round((results.length / repeat) * width);
        process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${results.length}/${repeat}`);
      } else if (!values.json && repeat <= 20) {
        console.log(`#${n}  ${answer.status ?? "---"} ${answer.code}  ${answer.ms} ms`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, repeat) }, worker));
  if (bar) process.stderr.write("\n");

  const byAnswer: Record<string, number> = {};
  for (const r of results) {
    const key = `${r.status ?? "no answer"} ${r.code}`.trim();
    byAnswer[key] = (byAnswer[key] ?? 0) + 1;
  }
  const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
  const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  const summary = { id, deliveries: repeat, answers: byAnswer, p50Ms: percentile(0.5), p95Ms: percentile(0.95) };
  const failed = results.some((r) => r.status === undefined || r.status >= 500);
  if (values.json) console.log(JSON.stringify({ summary, results: results.sort((a, b) => a.n - b.n) }, null, 2));
  else {
    const counts = Object.entries(byAnswer)
      .map(([answer, count]) => `${count}× ${answer}`)
      .join(", ");
    console.log(`${repeat} deliveries of ${id}: ${counts}; p50 ${summary.p50Ms} ms, p95 ${summary.p95Ms} ms`);
  }
  return failed ? 1 : 0;
}

async function auditCommand(values: Values): Promise<number> {
  const url = urlOf(values);
  const profile = profileOf(values.scheme);
  const results = await audit({
    url,
    profile,
    secret: secretOf(values),
    maxBodyBytes: positiveInteger(values["max-body-bytes"], "max-body-bytes", 1024 * 1024),
    timeoutMs: positiveInteger(values["timeout-ms"], "timeout-ms", 10_000),
    ...(values.type === undefined ? {} : { type: values.type }),
  });
  const failed = results.filter((r) => r.verdict === "FAIL").length;
  if (values.json) console.log(JSON.stringify({ url, scheme: profile.name, failed, results }, null, 2));
  else {
    console.log(`hooks audit: ${url} (${profile.name})\n`);
    console.log(table(results.map(({ ms: _ms, ...row }) => row)));
    console.log(
      `\n${failed === 0 ? "every case passed" : `${failed} of ${results.length} cases failed: this receiver can be attacked`}`,
    );
  }
  return failed === 0 ? 0 : 1;
}

async function deadLetters(values: Values): Promise<number> {
  const redisUrl = values["redis-url"] ?? process.env.REDIS_URL;
  if (!redisUrl) throw new UsageError("no Redis: pass --redis-url redis://… or set REDIS_URL");
  // The value is not echoed: it may hold a password.
  if (!/^rediss?:\/\/./.test(redisUrl)) throw new UsageError("--redis-url must start with redis:// or rediss://");
  const queue = values.queue ?? "hooks-events";
  if (queue === "" || queue.includes(":")) throw new UsageError(`--queue must be a name without ':', not "${queue}"`);
  if (values.redrive !== undefined && values["redrive-all"])
    throw new UsageError("pass --redrive <key> or --redrive-all, not both");
  if (values.redrive === "") throw new UsageError("--redrive needs an event key, e.g. --redrive stripe:evt_1");
  return deadLettersCommand({
    redisUrl,
    queue,
    prefix: values.prefix,
    timeoutMs: positiveInteger(values["timeout-ms"], "timeout-ms", 10_000),
    json: values.json === true,
    redrive: values.redrive,
    redriveAll: values["redrive-all"] === true,
  });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    console.log(HELP.main);
    return command === undefined ? 2 : 0;
  }
  if (!(command in HELP) || command === "main")
    throw new UsageError(`unknown command "${command}": use sign, send, audit or dead-letters`);
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0] ?? "bad arguments");
  }
  if (parsed.values.help) {
    console.log(HELP[command]);
    return 0;
  }
  if (command === "sign") return signCommand(parsed.values);
  if (command === "send") return sendCommand(parsed.values, parsed.positionals);
  if (command === "dead-letters") return deadLetters(parsed.values);
  return auditCommand(parsed.values);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage = error instanceof UsageError;
    console.error(`hooks: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = usage ? 2 : 1;
  },
);
