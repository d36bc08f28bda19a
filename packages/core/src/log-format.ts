// What the receiver logs to (the Logger shape) and how its lines read: one sentence per outcome,
// and the console logger's format.
import { type Outcome, type OutcomeCode, SETUP_OUTCOMES } from "./http";

/**
 * A logger the receiver writes to: pino's (and bunyan's) call shape, `method(fields, message)`.
 * Only `error` and `warn` are required; `debug` is used when present (routine outcomes). Passing
 * `console` means the built-in console logger (errors and warnings). winston takes
 * `(message, fields)`: wrap it, `{ error: (f, m) => log.error(m, f), warn: (f, m) => log.warn(m, f) }`.
 *
 * @example
 * import pino from "pino";
 * createReceiver({ scheme, secret, logger: pino() });
 */
export interface Logger {
  error(fields: LogFields, message: string): unknown;
  warn(fields: LogFields, message: string): unknown;
  debug?(fields: LogFields, message: string): unknown;
  /** pino's: when it says debug is off, routine outcomes cost nothing. */
  isLevelEnabled?(level: string): boolean;
}

/**
 * What a log line carries: the outcome's code and status, the event id and type once known, and
 * for failures the error (`err`, as pino expects it). Never the body or a secret. (For schemes
 * whose id travels in a header, such as GitHub's, the id is that header's checked value.)
 */
export type LogFields = {
  readonly code: OutcomeCode;
  readonly status: number;
  readonly id?: string | undefined;
  readonly type?: string | undefined;
  /** Set for a queue worker's run. */
  readonly job?: { readonly attempt: number; readonly maxAttempts: number } | undefined;
  /** For `processed`: false when the store did not record the completion (a retry may run it again). */
  readonly recorded?: boolean | undefined;
  readonly err?: unknown;
  /** Lines of this kind left out since the last one written (see the rate limit). */
  readonly suppressed?: number | undefined;
};

/** The line's words for an outcome: what happened, and what happens next. */
export function sentence(outcome: Outcome): string {
  const event = outcome.type === undefined ? "" : ` ${outcome.type}${outcome.id === undefined ? "" : ` ${outcome.id}`}`;
  const { job, code } = outcome;
  const worker = job !== undefined;
  const retry = !worker
    ? `answered ${outcome.status} so the sender retries`
    : job.attempt < job.maxAttempts
      ? "the queue retries it"
      : `that was attempt ${job.attempt} of ${job.maxAttempts}: the queue dead-letters it`;
  switch (code) {
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
      return `the receiver is misconfigured (${code}): every delivery is answered ${outcome.status} until the app runs with it fixed`;
    case "unhandled_rejected":
      return `no handler for${event} (unhandled: "reject"); ${worker ? retry : "answered 501"}`;
    case "fingerprint_mismatch":
      return `refused${event}: its id was delivered before with a different body (422)`;
    case "processed":
      return outcome.recorded === false
        ? `the handlers for${event} completed, but the store did not record it: a retry of this event may run them again`
        : `${worker ? "ran" : "processed"}${event}`;
    case "duplicate":
      return `duplicate of${event}: not run again`;
    case "unhandled":
      return `no handler for${event}: acknowledged`;
    case "in_progress":
      return `${event.trim()} is running elsewhere: ${worker ? "the queue waits" : `answered 409, retry after ${outcome.retryAfterSeconds} s`}`;
    case "queued":
      return `queued${event}`;
    case "internal_error":
      return `the receiving code threw (a custom scheme or clock?); answered ${outcome.status} so the sender retries once it is fixed`;
    case "method_not_allowed":
      return "refused a request that is not a POST (405)";
    case "request_aborted":
      return "the client went away before the whole body arrived: nothing to answer";
    case "body_timeout":
      return `the body did not arrive whole in time: answered ${outcome.status} and closed the connection`;
    case "payload_too_large":
      return `refused a body over maxBodyBytes (${outcome.status})`;
    default:
      return `${worker ? "a run of" : "refused a delivery"}${event} (${code}, ${outcome.status})`;
  }
}

/** Writes `console`'s way: one readable line, an error's stack after it. */
export const consoleLogger: Logger = {
  error: (fields, message) => console.error(consoleLine(fields, message)),
  warn: (fields, message) => console.warn(consoleLine(fields, message)),
};

function consoleLine(fields: LogFields, message: string): string {
  const more = fields.suppressed ? ` (+${fields.suppressed} more like it since the last such line)` : "";
  const line = `hooks: ${message}${more}`;
  const { err } = fields;
  if (err === undefined) return line;
  // Our own setup errors say everything in their message. Anything else (the app's, a driver's)
  // gets its stack and causes, never its properties: an HTTP client's error holds the request's
  // headers, a database driver's the query's arguments.
  if (SETUP_OUTCOMES.has(fields.code)) return `${line}: ${messageOf(err)}`;
  return `${line}:\n${describe(err)}`;
}

function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "(an error that cannot be shown)";
  }
}

/** The error's stack (or name and message), then each cause's, at most a few deep. */
function describe(error: unknown): string {
  const lines: string[] = [];
  let current = error;
  for (let depth = 0; depth < 4 && current !== undefined; depth++) {
    try {
      const text =
        current instanceof Error
          ? (current.stack ?? `${current.name}: ${current.message}`)
          : `thrown: ${String(current)}`;
      lines.push(depth === 0 ? text : `caused by ${text}`);
      current = current instanceof Error ? current.cause : undefined;
    } catch {
      lines.push("(an error that cannot be shown)");
      break;
    }
  }
  return lines.join("\n");
}
