// The command line's options, which command takes which, and their values turned into what the commands need.
import { readFileSync } from "node:fs";
import type { parseArgs } from "node:util";
import type { EventInput } from "./payloads";
import { type Headers, UsageError } from "./profiles";

export const OPTIONS = {
  scheme: { type: "string" },
  secret: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  url: { type: "string" },
  data: { type: "string" },
  body: { type: "string" },
  file: { type: "string" },
  event: { type: "string" },
  id: { type: "string" },
  created: { type: "string" },
  header: { type: "string", multiple: true },
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

export type Option = keyof typeof OPTIONS;

const SCHEME: Option[] = ["scheme", "secret", "json", "help"];
const EVENT: Option[] = ["data", "body", "file", "event", "id", "created", "header"];

/** Which options each command takes, and how many positionals (`<type>`): an option meant for another command is an error, not ignored. */
export const COMMANDS: Record<string, { options: readonly Option[]; positionals: number }> = {
  sign: { options: [...SCHEME, ...EVENT, "url", "timestamp"], positionals: 1 },
  send: { options: [...SCHEME, ...EVENT, "url", "repeat", "concurrency", "timeout-ms"], positionals: 1 },
  audit: { options: [...SCHEME, "url", "type", "max-body-bytes", "timeout-ms"], positionals: 0 },
  "dead-letters": {
    options: ["redis-url", "queue", "prefix", "redrive", "redrive-all", "timeout-ms", "json", "help"],
    positionals: 0,
  },
};

export type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

export function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[1-9][0-9]{0,9}$/.test(value))
    throw new UsageError(`--${name} must be a positive whole number, not "${value}"`);
  return Number(value);
}

export function secretOf(values: Values): string {
  const secret = values.secret ?? process.env.HOOKS_SECRET;
  if (!secret) throw new UsageError("no secret: pass --secret or set HOOKS_SECRET");
  return secret;
}

export function urlOf(values: Values): string {
  if (!values.url) throw new UsageError("--url is required, e.g. --url http://localhost:3000/webhooks");
  if (!/^https?:\/\//.test(values.url))
    throw new UsageError(`--url must start with http:// or https://, not "${values.url}"`);
  return values.url;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** What sign and send are asked to send: `<type>`, --event, --id, --created and one of --data, --body, --file. */
export function eventInput(values: Values, positionals: readonly string[]): EventInput {
  if ([values.data, values.body, values.file].filter((value) => value !== undefined).length > 1)
    throw new UsageError("pass one of --data, --body and --file, not several");
  const type = positionals[0];
  if (type === "") throw new UsageError("<type> is empty: leave it out for the sample's type");
  if (values.event === "") throw new UsageError("--event is empty, e.g. --event issues");
  let data: unknown;
  if (values.data !== undefined) {
    try {
      data = JSON.parse(values.data);
    } catch {
      throw new UsageError("--data is not valid JSON");
    }
  }
  let body: string | Uint8Array | undefined = values.body;
  if (values.file !== undefined) {
    try {
      body = readFileSync(values.file);
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
      throw new UsageError(`cannot read --file ${values.file}: ${why}`);
    }
  }
  return {
    type,
    event: values.event,
    id: values.id,
    created: values.created === undefined ? undefined : positiveInteger(values.created, "created", 0),
    data,
    body,
  };
}

// RFC 9110 token characters; values are what Node's HTTP client sends without throwing.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** `--header name=value`, repeatable; names are lowercased so that one replaces the header it names. */
export function headersOf(values: Values): Headers {
  const headers: Headers = {};
  for (const flag of values.header ?? []) {
    const equals = flag.indexOf("=");
    const name = flag.slice(0, Math.max(0, equals)).trim().toLowerCase();
    // The value is never echoed: it may be a token.
    if (!HEADER_NAME.test(name)) throw new UsageError("--header must be name=value, e.g. --header x-request-id=abc");
    const value = flag.slice(equals + 1);
    if (!HEADER_VALUE.test(value)) throw new UsageError(`--header ${name}: the value must be one line of text`);
    headers[name] = value;
  }
  return headers;
}
