// The queue port: where a receiver in queue mode hands verified events to be processed later.
import type { VerifiedDelivery } from "../delivery";

/**
 * A verified, claimed event as a receiver hands it to a queue: everything a worker needs to run
 * the handlers, and nothing else. Plain JSON, so any queue can store it.
 */
export interface QueuedEvent {
  /** The idempotency key, `${scheme}:${id}`: one event, one key, across receivers and workers. */
  readonly key: string;
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  /** The whole parsed body. */
  readonly body: unknown;
  /** The sender's delivery attempt, where the scheme reports it. */
  readonly attempt?: number | undefined;
  /** What verification established. */
  readonly delivery: VerifiedDelivery;
  /** SHA-256 of the raw body (base64). */
  readonly fingerprint: string;
  /** When the receiver accepted it, in milliseconds since the epoch. */
  readonly receivedAt: number;
}

/**
 * Where a receiver in queue mode puts events. `enqueue` resolves only once the event is stored as
 * durably as the queue can store it: the receiver answers the sender 202 after it resolves, and
 * 503 (so the sender retries) when it throws. Enqueueing a key the queue already holds is a no-op,
 * so a duplicate hand-off never makes a second job.
 */
export interface EventQueue {
  enqueue(event: QueuedEvent): Promise<void>;
}

/** What a queue tells the receiver about the run it asks for (see `Receiver.process`). */
export interface JobContext {
  /** This run's number for the event, 1 for the first. */
  readonly attempt: number;
  /** Runs the queue allows before it dead-letters the event. */
  readonly maxAttempts: number;
  /** Aborts when the queue wants the job back (shutdown); the handlers' signal aborts with it. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * How a run ended without error: the handlers ran now; they had already completed in an earlier
 * run; or no handler is registered for the type any more (acknowledged, nothing ran).
 */
export type ProcessResult = "processed" | "duplicate" | "unhandled";

/** What a queue's worker runs events with: a receiver, or anything that runs one event. */
export interface EventProcessor {
  process(event: QueuedEvent, job: JobContext): Promise<ProcessResult>;
}
