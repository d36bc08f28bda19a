#!/usr/bin/env node
// The `hooks` command: parses arguments with node:util, runs sign / send / audit / dead-letters, prints one-line errors.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  COMMANDS,
  eventInput,
  headersOf,
  nowSeconds,
  OPTIONS,
  type Option,
  positiveInteger,
  secretOf,
  urlOf,
  type Values,
} from "./args";
import { audit, VALID_DELIVERY } from "./audit";
import { deadLettersCommand } from "./dead-letters";
import { HELP } from "./help";
import { prepareDelivery } from "./prepare";
import { profileOf, UsageError } from "./profiles";
import { send } from "./send";
import { table } from "./table";

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

async function signCommand(values: Values, positionals: readonly string[]): Promise<number> {
  const profile = profileOf(values.scheme);
  const secret = secretOf(values);
  const input = eventInput(values, positionals);
  const timestamp = values.timestamp === undefined ? undefined : positiveInteger(values.timestamp, "timestamp", 0);
  const delivery = await prepareDelivery(profile, secret, input, {
    now: nowSeconds(),
    timestamp,
    headers: headersOf(values),
  });
  const url = values.url ?? "http://localhost:3000/webhooks";
  const headerFlags = Object.entries(delivery.headers)
    .map(([name, value]) => `-H ${quote(`${name}: ${value}`)}`)
    .join(" ");
  const data =
    values.file !== undefined ? `--data-binary @${quote(values.file)}` : `--data-raw ${quote(String(delivery.body))}`;
  const curl = `curl -X POST ${quote(url)} ${headerFlags} ${data}`;
  if (values.json) {
    const body = values.file === undefined ? { body: String(delivery.body) } : {};
    console.log(
      JSON.stringify(
        { id: delivery.id ?? null, type: delivery.type ?? null, headers: delivery.headers, ...body, curl },
        null,
        2,
      ),
    );
  } else {
    for (const [name, value] of Object.entries(delivery.headers)) console.log(`${name}: ${value}`);
    console.log(`\n${curl}`);
  }
  return 0;
}

async function sendCommand(values: Values, positionals: readonly string[]): Promise<number> {
  const url = urlOf(values);
  const profile = profileOf(values.scheme);
  const secret = secretOf(values);
  const repeat = positiveInteger(values.repeat, "repeat", 1);
  const concurrency = positiveInteger(values.concurrency, "concurrency", 1);
  const timeoutMs = positiveInteger(values["timeout-ms"], "timeout-ms", 10_000);
  const delivery = await prepareDelivery(profile, secret, eventInput(values, positionals), {
    now: nowSeconds(),
    headers: headersOf(values),
  });
  return send({ url, delivery, repeat, concurrency, timeoutMs, json: values.json === true });
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
  const valid = results[0];
  if (valid?.case === VALID_DELIVERY && valid.verdict !== "ok") {
    // No attack was tried: a receiver that refuses everything would "pass" every one of them.
    // A 5xx is the receiver failing (a missing secret, a body parser in the way), not our secret or URL.
    const failing = /^5\d\d/.test(valid.got);
    const error = failing
      ? "the valid delivery was refused (the receiver failed: fix it first)"
      : "the valid delivery was refused (wrong secret or URL?)";
    const says = valid.message === undefined ? "" : ` (the receiver says: ${valid.message})`;
    if (values.json)
      console.log(
        JSON.stringify({ url, scheme: profile.name, ok: false, error, got: valid.got, failed: 1, results }, null, 2),
      );
    else console.error(`hooks: ${error}: got ${valid.got}${says}; no attack was tried`);
    return 1;
  }
  const failed = results.filter((r) => r.verdict === "FAIL").length;
  if (values.json)
    console.log(JSON.stringify({ url, scheme: profile.name, ok: failed === 0, failed, results }, null, 2));
  else {
    console.log(`hooks audit: ${url} (${profile.name})\n`);
    console.log(table(results.map(({ ms: _ms, ...row }) => row)));
    console.log(
      `\n${failed === 0 ? "every case passed" : `${failed} of ${results.length} cases failed: this receiver can be attacked`}`,
    );
  }
  return failed === 0 ? 0 : 1;
}

/** The version in the package's own package.json, read at run time so a packed copy reports its own. */
function version(): string {
  const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
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
  if (command === "--version" || command === "-v") {
    console.log(version());
    return 0;
  }
  const accepts = COMMANDS[command];
  if (!accepts) throw new UsageError(`unknown command "${command}": use sign, send, audit or dead-letters`);
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
  const other = Object.keys(parsed.values).find((name) => !accepts.options.includes(name as Option));
  if (other !== undefined)
    throw new UsageError(`--${other} is not an option of hooks ${command} (see hooks ${command} --help)`);
  if (parsed.positionals.length > accepts.positionals)
    throw new UsageError(
      `unexpected argument "${parsed.positionals[accepts.positionals]}" (see hooks ${command} --help)`,
    );
  if (command === "sign") return signCommand(parsed.values, parsed.positionals);
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
