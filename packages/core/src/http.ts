// The one table from outcome to HTTP answer; adapters never choose a status code.
import {
  type HooksErrorCode,
  isHooksError,
  type RequestBodyErrorCode,
  type WebhookVerificationErrorCode,
} from "./errors";
import { SETUP_CODES } from "./fail";

/** How a delivery ended. Stable: log it, count it, alert on it. */
export type OutcomeCode =
  /** The handlers ran and completed: 200. */
  | "processed"
  /** Already processed within the retention period; handlers not run again: 200. */
  | "duplicate"
  /** No handler for the type, acknowledged (the default policy): 200. */
  | "unhandled"
  /** No handler for the type, refused (policy `"reject"`) so the sender keeps it and retries: 501. */
  | "unhandled_rejected"
  /** Another delivery of the same event is running; try after Retry-After: 409. */
  | "in_progress"
  /** Verified, but not UTF-8 JSON: 400. */
  | "invalid_body"
  /** Verified JSON without a usable event id or type: 400. */
  | "invalid_event"
  /** This id was seen with a different body: 422. */
  | "fingerprint_mismatch"
  /** A handler threw; the claim was released so the sender's retry runs it again: 500. */
  | "handler_failed"
  /** A handler ran past its lease (its signal aborted); the sender's retry may run it again: 500. */
  | "handler_timeout"
  /** The idempotency store did not answer; no handler ran: 503. */
  | "store_unavailable"
  /** Queue mode: the event is stored in the queue and will be processed there: 202. */
  | "queued"
  /** Queue mode: the queue could not store the event; the claim was released for the retry: 503. */
  | "queue_unavailable"
  /** Not a POST: 405. */
  | "method_not_allowed"
  /**
   * The receiving code threw where it must not (a custom scheme's `parse`, a clock): a bug to fix,
   * logged with its stack; 500 so the sender retries once it is fixed. Its message is never sent.
   */
  | "internal_error"
  /**
   * The body could not be read whole: larger than `maxBodyBytes` (413), not whole within
   * `bodyTimeoutMs` (408), or cut off by the client (`request_aborted`: 400, which no one reads).
   */
  | RequestBodyErrorCode
  /** Verification failed: 400 for malformed requests, 401 for bad signatures and replays, 500 for server misconfiguration. */
  | WebhookVerificationErrorCode;

/**
 * Every delivery's outcome, as `onOutcome` receives it; in queue mode also every worker run's
 * (`job` set), whose `status` is the table's for its code but is sent to no one.
 */
export interface Outcome {
  readonly code: OutcomeCode;
  readonly status: number;
  /** Set for a worker's run of a queued event (queue mode): which run, of how many allowed. */
  readonly job?: { readonly attempt: number; readonly maxAttempts: number } | undefined;
  /** The event id and type, once known. */
  readonly id?: string | undefined;
  readonly type?: string | undefined;
  /** For `in_progress`: seconds until the other delivery's lease ends. */
  readonly retryAfterSeconds?: number | undefined;
  /** For `processed`: whether the store recorded the completion (false: lease lost or store down). */
  readonly recorded?: boolean | undefined;
  /** The error behind a failure (verification, handler, store), for logs; never sent to the sender. */
  readonly error?: unknown;
  /** Time from receipt to answer, and within the handlers, in milliseconds. */
  readonly durationMs: number;
  readonly handlerMs?: number | undefined;
}

/** A framework-free HTTP answer. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

// Never 410: Standard Webhooks senders disable an endpoint that answers 410 Gone.
const STATUS: Record<OutcomeCode, number> = {
  processed: 200,
  duplicate: 200,
  unhandled: 200,
  unhandled_rejected: 501,
  in_progress: 409,
  payload_too_large: 413,
  invalid_body: 400,
  invalid_event: 400,
  fingerprint_mismatch: 422,
  handler_failed: 500,
  handler_timeout: 500,
  store_unavailable: 503,
  queued: 202,
  queue_unavailable: 503,
  method_not_allowed: 405,
  internal_error: 500,
  body_timeout: 408,
  request_aborted: 400,
  missing_header: 400,
  malformed_header: 400,
  invalid_timestamp: 400,
  malformed_signature: 400,
  timestamp_too_old: 401,
  timestamp_in_future: 401,
  signature_mismatch: 401,
  // The receiver's own configuration or the adapter is at fault: the sender should retry later.
  invalid_payload: 500,
  invalid_secret: 500,
  unsupported_algorithm: 500,
};

/**
 * The status an outcome code, or the code of any `HooksError`, is answered with (`invalid_option`,
 * a bug in the receiving code, is 500).
 */
export function statusOf(code: OutcomeCode | HooksErrorCode): number {
  return STATUS[code as OutcomeCode] ?? 500;
}

// The receiver's own setup is wrong: the developer reading the response needs the fix, and these
// messages hold no secret. Every other answer carries the code alone.
export const SETUP_OUTCOMES: ReadonlySet<OutcomeCode> = /* @__PURE__ */ new Set<OutcomeCode>(SETUP_CODES);

/**
 * The HTTP answer for an outcome: status, a small JSON body with the code (and, for a
 * misconfigured receiver, the message naming the fix), and Retry-After/Allow where due.
 */
export function toResponse(outcome: Outcome): HttpResponse {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (outcome.retryAfterSeconds !== undefined) headers["retry-after"] = `${outcome.retryAfterSeconds}`;
  if (outcome.code === "method_not_allowed") headers.allow = "POST";
  const { code, error } = outcome;
  const message =
    SETUP_OUTCOMES.has(code) && isHooksError(error, code as WebhookVerificationErrorCode) ? error.message : undefined;
  return { status: outcome.status, headers, body: JSON.stringify(message ? { code, message } : { code }) };
}
