// The receiver's options, checked once: every default is set here.
import { type Clock, realClock } from "../clock";
import type { EventFields, Key, VerifiedDelivery } from "../delivery";
import { invalidOption, WebhookVerificationError } from "../errors";
import type { HeaderReader } from "../headers";
import type { Outcome } from "../http";
import { MemoryStore } from "../idempotency/memory";
import type { IdempotencyStore } from "../idempotency/port";
import { keysFor } from "../keys";
import { createLog, type Logger } from "../log";
import type { EventQueue } from "../queue/port";
import type { Scheme } from "../schemes/scheme";
import { tolerance } from "../verify";
import { envelope } from "./event";
import { createReport, type Report } from "./report";

/** Options of `createReceiver`. */
export interface ReceiverOptions {
  readonly scheme: Scheme;
  /**
   * The signing secret, or several during a rotation (any one may match). May be missing
   * (`undefined` or `""`, or a list whose entries all are) when the receiver is created, e.g. while
   * `next build` loads the route with no secrets in its environment: creating it does not throw, and
   * every delivery is then answered 500 `invalid_secret` (the sender retries) and logged. Missing
   * entries of a list are left out (`[process.env.NEW, process.env.OLD]` once OLD is retired). The
   * secret is read once, at creation: an app started without it needs a restart with it set. A
   * secret that is present but malformed throws at once.
   */
  readonly secret: string | readonly (string | undefined)[] | undefined;
  /** Where event ids are remembered. Default: a `MemoryStore` (one process only). */
  readonly store?: IdempotencyStore;
  /** Replay window of verification, both directions. Default 300. */
  readonly toleranceSeconds?: number;
  /** Larger bodies are refused with 413, having read no more than this. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /**
   * How long a request's body may take to arrive whole, from when reading starts; past it the
   * answer is 408 and the connection is closed, so a withheld or trickled body cannot hold it.
   * Default 10 000.
   */
  readonly bodyTimeoutMs?: number;
  /** How long a handler may hold an event before its signal aborts and others may take it. Default 30. */
  readonly leaseSeconds?: number;
  /** How long a processed id is remembered: cover the sender's retry window. Default 7 days. */
  readonly retentionSeconds?: number;
  /** Types with no handler: acknowledged with 200 (default), or refused with 501 so the sender retries. */
  readonly unhandled?: "acknowledge" | "reject";
  /** Where to find the event's id, type and data, overriding the scheme's convention. */
  readonly event?: (body: unknown, header: HeaderReader, delivery: VerifiedDelivery) => EventFields;
  /**
   * Called with every outcome, for logs and metrics: every delivery's, and in queue mode every
   * worker run's (with `outcome.job` set). Its errors are swallowed.
   */
  readonly onOutcome?: (outcome: Outcome) => void;
  /**
   * Where the receiver logs what needs attention: handler failures, a misconfigured receiver and
   * store or queue outages (`error`), refused deliveries and completions the store did not record
   * (`warn`), rate-limited per code; routine outcomes (`debug`, when the logger has it). Default:
   * the console (errors and warnings only; `console` itself means the same). Any pino-style logger
   * fits (`method(fields, message)`); `false` logs nothing. Lines carry the code, status, event id
   * and type and the error, never the body or the secret; the console logger prints an error's
   * stack, not its properties (an HTTP client's error may hold request headers).
   */
  readonly logger?: Logger | false | undefined;
  /** The clock. Default: the real one. */
  readonly clock?: Clock;
  /**
   * Queue mode: hand each verified, claimed event to this queue and answer 202 once it is stored;
   * a worker runs the handlers later through `Receiver.process`. Without it the handlers run
   * before the answer.
   */
  readonly queue?: EventQueue;
}

/** The options after their checks, with every default applied. */
export interface Settings {
  readonly scheme: Scheme;
  readonly keys: readonly Key[];
  /** Set when the receiver has no secret: every delivery is answered with it. */
  readonly missingSecret: WebhookVerificationError | undefined;
  readonly toleranceSeconds: number;
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
  readonly leaseMs: number;
  readonly retentionMs: number;
  readonly unhandled: "acknowledge" | "reject";
  readonly clock: Clock;
  readonly store: IdempotencyStore;
  readonly readEvent: NonNullable<ReceiverOptions["event"]>;
  readonly queue: EventQueue | undefined;
  readonly report: Report;
}

const DEFAULTS = {
  maxBodyBytes: 1024 * 1024,
  bodyTimeoutMs: 10_000,
  leaseSeconds: 30,
  retentionSeconds: 7 * 24 * 60 * 60,
  unhandled: "acknowledge",
} as const;

/** The longest a timer can wait: past it, setTimeout fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

function positive(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const checked = value ?? fallback;
  if (!Number.isSafeInteger(checked) || checked <= 0 || checked > max)
    invalidOption(name, `${name} must be a whole number from 1 to ${max}`);
  return checked;
}

/** Every option createReceiver takes: anything else is a typo (`maxBodySize`) that would do nothing. */
const KNOWN: ReadonlySet<string> = /* @__PURE__ */ new Set([
  "scheme",
  "secret",
  "store",
  "toleranceSeconds",
  "maxBodyBytes",
  "bodyTimeoutMs",
  "leaseSeconds",
  "retentionSeconds",
  "unhandled",
  "event",
  "onOutcome",
  "logger",
  "clock",
  "queue",
]);

function optionalFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== "function") invalidOption(name, `${name} must be a function`);
}

export function settingsOf(options: ReceiverOptions): Settings {
  if (typeof options !== "object" || options === null)
    invalidOption("options", "createReceiver takes { scheme, secret, … }");
  for (const key of Object.keys(options))
    if (!KNOWN.has(key)) invalidOption(key, `createReceiver has no option ${key}; it takes ${[...KNOWN].join(", ")}`);
  const { scheme, store } = options;
  if (typeof scheme?.parse !== "function") invalidOption("scheme", "scheme must be a scheme, e.g. schemes.stripe");
  // A missing secret is a deployment's state, not a bug in the code: answered on each delivery.
  // Missing entries of a rotation list (a retired variable) are left out; an empty list written in
  // the code is a bug, which keysFor reports.
  const given = options.secret;
  const secret = Array.isArray(given)
    ? (given as readonly (string | undefined)[]).filter((one): one is string => one !== undefined && one !== "")
    : (given as string | undefined);
  const missingSecret =
    secret === undefined || secret === "" || (secret.length === 0 && given?.length !== 0)
      ? new WebhookVerificationError(
          "invalid_secret",
          "the receiver has no signing secret: it was created with an empty secret (is its environment variable set where the app runs? Restart the app once it is: the secret is read when the receiver is created)",
        )
      : undefined;
  const unhandled = options.unhandled ?? DEFAULTS.unhandled;
  if (unhandled !== "acknowledge" && unhandled !== "reject")
    invalidOption("unhandled", 'unhandled must be "acknowledge" or "reject"');
  const queue = options.queue;
  if (queue !== undefined && typeof queue?.enqueue !== "function")
    invalidOption("queue", "queue must have an enqueue method, e.g. new MemoryQueue()");
  if (
    store !== undefined &&
    (typeof store?.claim !== "function" || typeof store.complete !== "function" || typeof store.release !== "function")
  )
    invalidOption("store", "store must be an idempotency store (claim, complete, release), e.g. new RedisStore(redis)");
  optionalFunction("event", options.event);
  optionalFunction("onOutcome", options.onOutcome);
  const clock = options.clock ?? realClock;
  if (typeof clock?.now !== "function" || typeof clock.setTimeout !== "function")
    invalidOption("clock", "clock must have now() and setTimeout(callback, ms)");
  const now = () => clock.now();
  return {
    scheme,
    keys: missingSecret ? [] : keysFor(scheme, secret as string | readonly string[], "verify"),
    missingSecret,
    toleranceSeconds: tolerance(options.toleranceSeconds),
    maxBodyBytes: positive("maxBodyBytes", options.maxBodyBytes, DEFAULTS.maxBodyBytes),
    bodyTimeoutMs: positive("bodyTimeoutMs", options.bodyTimeoutMs, DEFAULTS.bodyTimeoutMs, MAX_TIMER_MS),
    leaseMs:
      positive("leaseSeconds", options.leaseSeconds, DEFAULTS.leaseSeconds, Math.floor(MAX_TIMER_MS / 1000)) * 1000,
    retentionMs: positive("retentionSeconds", options.retentionSeconds, DEFAULTS.retentionSeconds) * 1000,
    unhandled,
    clock,
    store: store ?? new MemoryStore({ now }),
    readEvent: options.event ?? scheme.event ?? envelope,
    queue,
    report: createReport(options.onOutcome, createLog(options.logger, now)),
  };
}
