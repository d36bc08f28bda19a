// The idempotency port: what a store must do so that each event's handler completes exactly once.
import { HooksError } from "../errors";

/** Answer to {@link IdempotencyStore.claim}. */
export type ClaimResult =
  /** The caller now holds the event until `leaseMs` passes; `token` proves it to complete/release. */
  | { readonly status: "acquired"; readonly token: string }
  /** The event was already handled within the retention period: a duplicate. */
  | { readonly status: "completed" }
  /** Another delivery holds the event; its lease ends in `retryAfterMs`. */
  | { readonly status: "in_progress"; readonly retryAfterMs: number }
  /** The id is known with a different payload fingerprint: not the same event. */
  | { readonly status: "fingerprint_mismatch" };

/**
 * Where a receiver remembers event ids. Every method is one atomic step on the store's side: two
 * concurrent claims of one key never both acquire (never `exists` then `set`).
 *
 * The lease (seconds to minutes) bounds how long a handler may hold an event before another
 * delivery may take it over; the retention (days, covering the sender's retry window) is how long
 * a completed id is remembered. Both are separate from the replay window of verification.
 *
 * Stores throw {@link StoreUnavailableError} (or any error) when they cannot answer; the receiver
 * then answers 503 and runs no handler.
 */
export interface IdempotencyStore {
  /**
   * Claims `key` for `leaseMs`. Acquires when the key is unknown, its lease expired or its
   * retention ended; otherwise reports a duplicate, an owner in progress, or a fingerprint mismatch.
   */
  claim(request: {
    readonly key: string;
    readonly fingerprint: string;
    readonly leaseMs: number;
  }): Promise<ClaimResult>;
  /**
   * Marks `key` handled and remembers it for `retentionMs`. Succeeds (true) only for the current
   * owner: a stale owner whose lease expired, or was taken over, gets false and changes nothing.
   */
  complete(request: { readonly key: string; readonly token: string; readonly retentionMs: number }): Promise<boolean>;
  /** Gives `key` up after a failed handler so the sender's retry runs it again. Owner only, like complete. */
  release(request: { readonly key: string; readonly token: string }): Promise<boolean>;
}

/**
 * A store could not answer (unreachable, timed out). The receiver answers 503 so the sender
 * retries later, and runs no handler without a claim.
 */
export class StoreUnavailableError extends HooksError {
  override readonly name: string = "StoreUnavailableError";
  declare readonly code: "store_unavailable";

  constructor(message: string, options?: { cause?: unknown }) {
    super("store_unavailable", message, options);
  }
}
