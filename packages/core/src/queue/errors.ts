// The errors a queue meets: the receiver's worker side throws them, and queues tell them apart by code.
import { HooksError } from "../errors";

/** A queue could not store an event; the receiver answers 503 and the sender retries. */
export class QueueUnavailableError extends HooksError {
  override readonly name: string = "QueueUnavailableError";
  declare readonly code: "queue_unavailable";

  constructor(message: string, options?: { cause?: unknown }) {
    super("queue_unavailable", message, options);
  }
}

/**
 * The run could not happen now, through no fault of the handlers: the queue should try again after
 * `retryAfterMs` without spending an attempt. Thrown by `Receiver.process` while another run holds
 * the event (`in_progress`, see {@link EventBusyError}) or while the idempotency store does not
 * answer (`store_unavailable`): no handler ran.
 */
export class RetryLaterError extends HooksError {
  override readonly name: string = "RetryLaterError";
  declare readonly code: "in_progress" | "store_unavailable";
  /** When to try again, in milliseconds. */
  readonly retryAfterMs: number;

  constructor(
    code: "in_progress" | "store_unavailable",
    message: string,
    retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/** Another run of the same event holds it; its lease ends in `retryAfterMs`. */
export class EventBusyError extends RetryLaterError {
  override readonly name: string = "EventBusyError";
  declare readonly code: "in_progress";

  constructor(message: string, retryAfterMs: number) {
    super("in_progress", message, retryAfterMs);
  }
}

/**
 * The event can never run as queued (its id was run before with a different body): retrying cannot
 * help, so the queue dead-letters it at once. Thrown by `Receiver.process`.
 */
export class UnrecoverableEventError extends HooksError {
  override readonly name: string = "UnrecoverableEventError";
  declare readonly code: "fingerprint_mismatch";

  constructor(message: string) {
    super("fingerprint_mismatch", message);
  }
}

/**
 * A queued event whose type has no handler in this worker, under `unhandled: "reject"`: thrown by
 * `Receiver.process` so the event stays in the queue (retried, then dead-lettered) until a worker
 * with the handler is deployed.
 */
export class UnhandledEventError extends HooksError {
  override readonly name: string = "UnhandledEventError";
  declare readonly code: "unhandled_rejected";
  readonly type: string;

  constructor(type: string, message: string) {
    super("unhandled_rejected", message);
    this.type = type;
  }
}
