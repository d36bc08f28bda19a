// The receiver's default logging: what an operator must see without writing an onOutcome hook.
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
 * Errors worth logging: the app's own (handlers), the store's or queue's driver, and the receiver's
 * setup (SETUP_OUTCOMES). Refusals carry none: a JSON parse error quotes the body, and a forgery's
 * details help no one but its author.
 */
const WITH_ERROR = /* @__PURE__ */ new Set<OutcomeCode>([
  "handler_failed",
  "handler_timeout",
  "store_unavailable",
  "queue_unavailable",
  "unhandled_rejected",
  "processed",
]);

/**
 * Lines of one kind allowed per {@link LOG_INTERVAL_MS}; past that, the next line written says how
 * many were left out. Handler failures get more: each is worth reading, but a replayed delivery
 * (GitHub's and Shopify's ids are not signed) can make them as many as the attacker likes.
 */
const BURST: Partial<Record<string, number>> = { handler_failed: 20, handler_timeout: 20 };

/** The rate limit's window. */
export const LOG_INTERVAL_MS = 10_000;

function sentence(outcome: Outcome): string {
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
    case "method_not_allowed":
      return "refused a request that is not a POST (405)";
    default:
      return `${worker ? "a run of" : "refused a delivery"}${event} (${code}, ${outcome.status})`;
  }
}

/** Writes `console`'s way: one readable line, an error's stack after it. */
const consoleLogger: Logger = {
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

/**
 * The receiver's log of outcomes: `logger` (default: the console), or nothing when `false`.
 * Each kind of line is rate-limited (see {@link BURST}), so a flood of forgeries or a store outage
 * writes a line per {@link LOG_INTERVAL_MS}, not one per delivery. A logger that throws or rejects
 * changes nothing.
 */
export function createLog(logger: Logger | false | undefined, now: () => number): (outcome: Outcome) => void {
  if (logger === false) return () => {};
  if (
    logger !== undefined &&
    (logger === null || typeof logger.error !== "function" || typeof logger.warn !== "function")
  )
    throw new TypeError("logger must have error and warn methods (pino, bunyan, console, …), or be false");
  // `console` has a debug method too; as a logger it means the built-in one: errors and warnings.
  const target = logger === undefined || logger === console ? consoleLogger : logger;
  const windows = new Map<string, { at: number; written: number; suppressed: number }>();

  /** Whether a line of this kind may be written now, and how many were left out before it. */
  function admit(kind: string): number | undefined {
    const at = now();
    const window = windows.get(kind);
    if (!window || at - window.at >= LOG_INTERVAL_MS) {
      windows.set(kind, { at, written: 1, suppressed: 0 });
      return window?.suppressed ?? 0;
    }
    if (window.written < (BURST[kind] ?? 1)) {
      window.written++;
      const { suppressed } = window;
      window.suppressed = 0;
      return suppressed;
    }
    window.suppressed++;
    return undefined;
  }

  return (outcome) => {
    const unrecorded = outcome.code === "processed" && outcome.recorded === false;
    const level: Level = unrecorded ? "warn" : LEVEL[outcome.code];
    const write = target[level];
    // Routine outcomes: nothing is built for a logger without debug, or whose debug level is off.
    if (typeof write !== "function" || (level === "debug" && target.isLevelEnabled?.("debug") === false)) return;
    let suppressed = 0;
    if (level !== "debug") {
      const admitted = admit(unrecorded ? "processed_unrecorded" : outcome.code);
      if (admitted === undefined) return;
      suppressed = admitted;
    }
    const written = write.call(target, fieldsOf(outcome, suppressed), sentence(outcome));
    // An async logger that rejects must not become an unhandled rejection (which ends the process).
    if (typeof (written as PromiseLike<unknown> | undefined)?.then === "function")
      (written as PromiseLike<unknown>).then(undefined, () => {});
  };
}

function fieldsOf(outcome: Outcome, suppressed: number): LogFields {
  const { code, status, id, type, job, error, recorded } = outcome;
  return {
    code,
    status,
    ...(id === undefined ? {} : { id }),
    ...(type === undefined ? {} : { type }),
    ...(job === undefined ? {} : { job }),
    ...(recorded === false ? { recorded } : {}),
    ...(error !== undefined && (WITH_ERROR.has(code) || SETUP_OUTCOMES.has(code)) ? { err: error } : {}),
    ...(suppressed > 0 ? { suppressed } : {}),
  };
}
