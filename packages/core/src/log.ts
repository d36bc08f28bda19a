// The receiver's default logging: what an operator must see without writing an onOutcome hook.
import { WebhookVerificationError } from "./errors";
import type { Outcome, OutcomeCode } from "./http";

/**
 * A logger the receiver writes to: pino's (and bunyan's) call shape, `method(fields, message)`.
 * `console` fits too. Only `error` and `warn` are required; `info` and `debug` are used when present.
 *
 * @example
 * import pino from "pino";
 * createReceiver({ scheme, secret, logger: pino() });
 */
export interface Logger {
  error(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  info?(fields: LogFields, message: string): void;
  debug?(fields: LogFields, message: string): void;
}

/**
 * What a log line carries: the outcome's code and status, the event id and type once known, and
 * for failures the error (`err`, as pino expects it). Never the body, a header value or a secret.
 */
export interface LogFields {
  readonly code: OutcomeCode;
  readonly status: number;
  readonly id?: string | undefined;
  readonly type?: string | undefined;
  /** Set for a queue worker's run. */
  readonly job?: { readonly attempt: number; readonly maxAttempts: number } | undefined;
  readonly err?: unknown;
  /** Lines of this code left out since the last one written (see the rate limit). */
  readonly suppressed?: number | undefined;
}

type Level = "error" | "warn" | "debug";

/** What each outcome is: a failure someone must fix (error), a refusal worth noticing (warn), or routine (debug). */
const LEVEL: Record<OutcomeCode, Level> = {
  processed: "debug",
  duplicate: "debug",
  unhandled: "debug",
  in_progress: "debug",
  queued: "debug",
  method_not_allowed: "debug",
  unhandled_rejected: "warn",
  payload_too_large: "warn",
  invalid_body: "warn",
  invalid_event: "warn",
  fingerprint_mismatch: "warn",
  missing_header: "warn",
  malformed_header: "warn",
  invalid_timestamp: "warn",
  malformed_signature: "warn",
  timestamp_too_old: "warn",
  timestamp_in_future: "warn",
  signature_mismatch: "warn",
  handler_failed: "error",
  handler_timeout: "error",
  store_unavailable: "error",
  queue_unavailable: "error",
  invalid_payload: "error",
  invalid_secret: "error",
  unsupported_algorithm: "error",
};

/**
 * Errors worth their message: the app's own (handlers), the receiver's setup and the store's or
 * queue's driver. Refusals carry none: a JSON parse error quotes the body, and a forgery's details
 * help no one but its author.
 */
const WITH_ERROR = new Set<OutcomeCode>([
  "handler_failed",
  "handler_timeout",
  "store_unavailable",
  "queue_unavailable",
  "invalid_payload",
  "invalid_secret",
  "unsupported_algorithm",
  "unhandled_rejected",
]);

/** Handler failures are each worth a line; everything else floods when it happens at all (a forger, an outage). */
const EVERY_TIME = new Set<OutcomeCode>(["handler_failed", "handler_timeout"]);

/** At most one line per code in this window; the next line says how many were left out. */
export const LOG_INTERVAL_MS = 10_000;

function sentence(outcome: Outcome): string {
  const event = outcome.type === undefined ? "" : ` ${outcome.type}${outcome.id === undefined ? "" : ` ${outcome.id}`}`;
  const { job } = outcome;
  const worker = job !== undefined;
  const retry = !worker
    ? `answered ${outcome.status} so the sender retries`
    : job.attempt < job.maxAttempts
      ? "the queue retries it"
      : `that was attempt ${job.attempt} of ${job.maxAttempts}: the queue dead-letters it`;
  switch (outcome.code) {
    case "handler_failed":
      return `a handler for${event} threw; ${retry}`;
    case "handler_timeout":
      return `a handler for${event} ran past its lease; ${retry}`;
    case "store_unavailable":
      return `the idempotency store did not answer${worker ? ` for${event}` : ""}; no handler ran, ${worker ? "the queue waits for it" : "answered 503 so the sender retries"}`;
    case "queue_unavailable":
      return `the queue did not store${event}; answered 503 so the sender retries`;
    case "invalid_secret":
    case "invalid_payload":
    case "unsupported_algorithm":
      return `the receiver is misconfigured (${outcome.code}): every delivery is answered ${outcome.status} until the app runs with it fixed`;
    case "unhandled_rejected":
      return `no handler for${event} (unhandled: "reject"); ${worker ? retry : "answered 501"}`;
    case "fingerprint_mismatch":
      return `refused${event}: its id was delivered before with a different body (422)`;
    default:
      return `${worker ? "a run of" : "refused a delivery"}${event} (${outcome.code}, ${outcome.status})`;
  }
}

/** Writes `console`'s way: one readable line, the error's stack after it. */
const consoleLogger: Logger = {
  error: (fields, message) => console.error(...consoleLine(fields, message)),
  warn: (fields, message) => console.warn(...consoleLine(fields, message)),
};

function consoleLine(fields: LogFields, message: string): unknown[] {
  const more = fields.suppressed ? ` (+${fields.suppressed} more like it in the last ${LOG_INTERVAL_MS / 1000} s)` : "";
  const line = `hooks: ${message}${more}`;
  const { err } = fields;
  if (err === undefined) return [line];
  // Our own setup errors say everything in their message; anything else (the app's, a driver's)
  // keeps its stack, which is what someone debugging it needs.
  if (err instanceof WebhookVerificationError) return [`${line}: ${err.message}`];
  return [`${line}:`, err];
}

/**
 * The receiver's log of outcomes: `logger` (default: the console), or nothing when `false`.
 * Refusals and outages are rate-limited per code so that a flood of forgeries or a store outage
 * writes one line per {@link LOG_INTERVAL_MS}, not one per delivery.
 */
export function createLog(logger: Logger | false | undefined, now: () => number): (outcome: Outcome) => void {
  if (logger === false) return () => {};
  if (logger !== undefined && (typeof logger.error !== "function" || typeof logger.warn !== "function"))
    throw new TypeError("logger must have error and warn methods (console, pino, …), or be false");
  const target = logger ?? consoleLogger;
  const last = new Map<OutcomeCode, { at: number; suppressed: number }>();
  return (outcome) => {
    const level = LEVEL[outcome.code];
    if (level === "debug") {
      if (target.debug) target.debug(fieldsOf(outcome, 0), sentence(outcome));
      return;
    }
    let suppressed = 0;
    if (!EVERY_TIME.has(outcome.code)) {
      const at = now();
      const seen = last.get(outcome.code);
      if (seen && at - seen.at < LOG_INTERVAL_MS) {
        seen.suppressed++;
        return;
      }
      suppressed = seen?.suppressed ?? 0;
      last.set(outcome.code, { at, suppressed: 0 });
    }
    target[level](fieldsOf(outcome, suppressed), sentence(outcome));
  };
}

function fieldsOf(outcome: Outcome, suppressed: number): LogFields {
  const { code, status, id, type, job, error } = outcome;
  return {
    code,
    status,
    ...(id === undefined ? {} : { id }),
    ...(type === undefined ? {} : { type }),
    ...(job === undefined ? {} : { job }),
    ...(error !== undefined && WITH_ERROR.has(code) ? { err: error } : {}),
    ...(suppressed > 0 ? { suppressed } : {}),
  };
}
