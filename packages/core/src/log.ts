// The receiver's default logging: what an operator must see without writing an onOutcome hook.
import { invalidOption } from "./errors";
import { type Outcome, type OutcomeCode, SETUP_OUTCOMES } from "./http";
import { consoleLogger, type LogFields, type Logger, sentence } from "./log-format";

export type { LogFields, Logger };

type Level = "error" | "warn" | "debug";

/** What each outcome is: a failure someone must fix (error), a refusal worth noticing (warn), or routine (debug). */
const LEVEL: Record<OutcomeCode, Level> = {
  processed: "debug",
  duplicate: "debug",
  unhandled: "debug",
  in_progress: "debug",
  queued: "debug",
  method_not_allowed: "debug",
  internal_error: "error",
  request_aborted: "debug",
  body_timeout: "warn",
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
  "internal_error",
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
    invalidOption("logger", "logger must have error and warn methods (pino, bunyan, console, …), or be false");
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
