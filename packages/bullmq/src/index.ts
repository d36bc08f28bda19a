// @hooks/bullmq: the durable queue for @hooks/core's queue mode, on BullMQ (Redis).
import type { EventProcessor, EventQueue, QueuedEvent } from "@hooks/core";
import { InvalidOptionError, isHooksError, QueueUnavailableError } from "@hooks/core";
import { type ConnectionOptions, DelayedError, type Job, Queue, UnrecoverableError, Worker } from "bullmq";

/** Where the jobs live: one BullMQ queue, named and prefixed the same for producers and workers. */
export interface QueueLocation {
  /** ioredis options (`{ host, port }`, `{ url }`…) or an ioredis instance, as BullMQ takes them. */
  readonly connection: ConnectionOptions;
  /** The BullMQ queue name. Default `"hooks-events"`. */
  readonly name?: string | undefined;
  /** BullMQ's Redis key prefix. Default `"bull"` (BullMQ's own). */
  readonly prefix?: string | undefined;
}

/** Options of {@link BullMQQueue}. */
export interface BullMQQueueOptions extends QueueLocation {
  /** Runs per event before it is dead-lettered (BullMQ `attempts`). Default 5. */
  readonly attempts?: number | undefined;
  /** Delay before the second run; each later one doubles it (BullMQ exponential backoff). Default 1000 ms. */
  readonly backoffMs?: number | undefined;
  /** How long a completed job is kept (its id then still deduplicates hand-offs). Default 7 days. */
  readonly keepCompletedSeconds?: number | undefined;
  /**
   * How long a hand-off may take before it counts as failed (the receiver answers 503 and the
   * sender retries; BullMQ's client would otherwise wait for Redis indefinitely). Default 5000 ms.
   */
  readonly timeoutMs?: number | undefined;
}

/** A dead-lettered event of a {@link BullMQQueue}: every run failed. */
export interface BullMQDeadLetter {
  /** The BullMQ job id (the event key, URI-encoded). */
  readonly jobId: string;
  readonly event: QueuedEvent;
  /** The last run's error message. */
  readonly error: string;
  /** Runs made. */
  readonly attempts: number;
  /** When the last run failed, in milliseconds since the epoch. */
  readonly failedAt: number | undefined;
}

const DEFAULT_NAME = "hooks-events";

/**
 * The BullMQ job id of an event key. BullMQ reserves `:` in custom ids (and numbers), so the key is
 * URI-encoded: `stripe:evt_1` becomes `stripe%3Aevt_1`, one id per key and back again.
 */
export function jobIdOf(key: string): string {
  return encodeURIComponent(key);
}

function whole(name: string, value: number | undefined, fallback: number, min: number): number {
  const checked = value ?? fallback;
  if (!Number.isSafeInteger(checked) || checked < min) {
    throw new InvalidOptionError(name, `${name} must be a whole number, ${min} or more`);
  }
  return checked;
}

function location(options: QueueLocation) {
  if (options?.connection === undefined || options.connection === null) {
    throw new InvalidOptionError(
      "connection",
      "connection is required: ioredis options such as { host, port } or an ioredis instance",
    );
  }
  const name = options.name ?? DEFAULT_NAME;
  if (typeof name !== "string" || name === "" || name.includes(":")) {
    throw new InvalidOptionError("name", "name must be a non-empty string without ':'");
  }
  return { name, opts: { connection: options.connection, ...(options.prefix ? { prefix: options.prefix } : {}) } };
}

function deadLetter(job: Job<QueuedEvent>): BullMQDeadLetter {
  return {
    jobId: job.id ?? "",
    event: job.data,
    error: job.failedReason ?? "",
    attempts: job.attemptsMade,
    failedAt: job.finishedOn,
  };
}

/**
 * The queue port on BullMQ: the receiver's hand-off adds one job per event key (job id = the key,
 * so a second hand-off of the same event is a no-op), with `attempts` and exponential backoff;
 * after the last failed run the job stays in BullMQ's failed set with its error: the dead letters,
 * which {@link BullMQQueue.deadLetters} lists and {@link BullMQQueue.redrive} puts back.
 *
 * @example
 * const queue = new BullMQQueue({ connection: { host: "127.0.0.1", port: 6379 } });
 * const receiver = createReceiver({ scheme, secret, store: new RedisStore(redis), queue });
 */
export class BullMQQueue implements EventQueue {
  /** The BullMQ queue, for anything this class does not wrap (metrics, pausing, cleaning). */
  readonly queue: Queue<QueuedEvent>;
  readonly #attempts: number;
  readonly #backoffMs: number;
  readonly #keepCompletedSeconds: number;
  readonly #timeoutMs: number;

  constructor(options: BullMQQueueOptions) {
    const { name, opts } = location(options);
    this.#attempts = whole("attempts", options.attempts, 5, 1);
    this.#backoffMs = whole("backoffMs", options.backoffMs, 1000, 0);
    this.#keepCompletedSeconds = whole("keepCompletedSeconds", options.keepCompletedSeconds, 7 * 24 * 60 * 60, 1);
    this.#timeoutMs = whole("timeoutMs", options.timeoutMs, 5000, 1);
    this.queue = new Queue<QueuedEvent>(name, opts);
    // Without a listener an 'error' event would throw; connection errors reach enqueue's callers.
    this.queue.on("error", () => {});
  }

  /** Adds the event's job; resolves once Redis has it. A key already held (any state) is a no-op. */
  async enqueue(event: QueuedEvent): Promise<void> {
    const added = this.queue.add(event.type, event, {
      jobId: jobIdOf(event.key),
      attempts: this.#attempts,
      backoff: { type: "exponential", delay: this.#backoffMs },
      removeOnComplete: { age: this.#keepCompletedSeconds },
      removeOnFail: false,
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new QueueUnavailableError(`BullMQ did not store the event within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
    });
    // A late add still lands: the sender's retry then finds the job (same id) and the worker's claim.
    added.catch(() => {});
    try {
      await Promise.race([added, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Dead-lettered events, newest first, `start` to `end` inclusive (default the first 100). */
  async deadLetters({ start = 0, end = 99 }: { start?: number; end?: number } = {}): Promise<BullMQDeadLetter[]> {
    const jobs = await this.queue.getFailed(start, end);
    return jobs.filter((job): job is Job<QueuedEvent> => Boolean(job)).map(deadLetter);
  }

  /**
   * Puts a dead-lettered event back for a fresh set of attempts. Takes the event key
   * (`stripe:evt_1`) or its job id; false when no such job is in the failed set.
   */
  async redrive(keyOrJobId: string): Promise<boolean> {
    const job =
      (await this.queue.getJob(jobIdOf(keyOrJobId))) ??
      (keyOrJobId.includes(":") ? undefined : await this.queue.getJob(keyOrJobId));
    if (!job || (await job.getState()) !== "failed") return false;
    await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  }

  /**
   * Re-drives every event dead-lettered when it is called (a snapshot: one that fails again while
   * this runs is not taken twice); returns how many went back. One that another caller re-drove or
   * removed meanwhile is skipped.
   */
  async redriveAll(): Promise<number> {
    const jobs: Job<QueuedEvent>[] = [];
    const page = 500;
    for (let start = 0; ; start += page) {
      const batch = (await this.queue.getFailed(start, start + page - 1)).filter(Boolean);
      jobs.push(...batch);
      if (batch.length < page) break;
    }
    let count = 0;
    for (const job of jobs) {
      try {
        await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
        count++;
      } catch {
        // No longer in the failed set: re-driven or removed by someone else.
      }
    }
    return count;
  }

  /** Closes the producer's connections. */
  async close(): Promise<void> {
    await this.queue.close();
  }
}

/** Options of {@link createWorker}. */
export interface WorkerOptions extends QueueLocation {
  /** What runs each event: the receiver (built with the same handlers as the receiving side). */
  readonly receiver: EventProcessor;
  /** Events run at once in this process. Default 1. */
  readonly concurrency?: number | undefined;
  /**
   * How long a job's lock lasts without renewal (BullMQ `lockDuration`; renewed at half of it while
   * the process is alive). After a crash the job is picked up again once it has lapsed and the next
   * stall check runs. Default 30,000 ms.
   */
  readonly lockDurationMs?: number | undefined;
  /** How often BullMQ looks for stalled jobs (`stalledInterval`). Default 30,000 ms. */
  readonly stalledIntervalMs?: number | undefined;
  /** Called with errors of the worker itself (connection, stall checks). Default: ignored. */
  readonly onError?: ((error: Error) => void) | undefined;
}

/** A running worker. */
export interface HooksWorker {
  /** The BullMQ worker, for events and metrics. */
  readonly worker: Worker<QueuedEvent>;
  /**
   * Stops taking jobs and waits for the running ones to finish. Handlers still running after
   * `timeoutMs` (default 30,000) see their signal abort and their jobs go back to the queue
   * (delayed, no attempt spent) for another worker.
   */
  close(options?: { timeoutMs?: number | undefined }): Promise<void>;
}

/**
 * Runs queued events in this process: each job goes to `receiver.process`, which runs the handlers
 * at most once to completion (a claim in the receiver's store), releases the claim when they fail
 * (BullMQ retries with backoff, then dead-letters), and reports another run in progress (or the store down), which
 * puts the job back until that run's lease ends without spending an attempt.
 *
 * @example
 * // worker.ts: a separate process, with the same receiver module as the web process.
 * const worker = createWorker({ receiver, connection: { host: "127.0.0.1", port: 6379 }, concurrency: 8 });
 * process.on("SIGTERM", () => worker.close());
 */
export function createWorker(options: WorkerOptions): HooksWorker {
  const { name, opts } = location(options);
  const { receiver } = options;
  if (typeof receiver?.process !== "function")
    throw new InvalidOptionError("receiver", "receiver must be a receiver from createReceiver");
  const concurrency = whole("concurrency", options.concurrency, 1, 1);
  const lockDuration = whole("lockDurationMs", options.lockDurationMs, 30_000, 1);
  const stalledInterval = whole("stalledIntervalMs", options.stalledIntervalMs, 30_000, 1);
  // One controller per running job, all aborted on shutdown (not one shared signal with a listener
  // per job: hundreds of concurrent jobs would trip Node's listener-leak warning).
  const running = new Set<AbortController>();

  const worker = new Worker<QueuedEvent>(
    name,
    async (job, token) => {
      const controller = new AbortController();
      running.add(controller);
      try {
        return await receiver.process(job.data, {
          attempt: job.attemptsMade + 1,
          maxAttempts: job.opts.attempts ?? 1,
          signal: controller.signal,
        });
      } catch (error) {
        // Codes, not classes: the receiver may come from another installed copy of @hooks/core.
        // Retrying cannot help (the id was run with another body): straight to the dead letters.
        if (isHooksError(error, "fingerprint_mismatch")) throw new UnrecoverableError(error.message);
        const retryAfterMs = isHooksError(error, "in_progress", "store_unavailable")
          ? Number((error as { retryAfterMs?: unknown }).retryAfterMs)
          : Number.NaN;
        const later = Number.isFinite(retryAfterMs)
          ? Date.now() + retryAfterMs
          : controller.signal.aborted
            ? Date.now()
            : undefined;
        if (later === undefined || token === undefined) throw error;
        // Not the handler's failure: back to the queue without spending an attempt.
        await job.moveToDelayed(later, token);
        throw new DelayedError();
      } finally {
        running.delete(controller);
      }
    },
    { ...opts, concurrency, lockDuration, stalledInterval, autorun: true },
  );
  worker.on("error", (error) => options.onError?.(error));

  return {
    worker,
    async close({ timeoutMs = 30_000 }: { timeoutMs?: number | undefined } = {}) {
      const closing = worker.close();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([closing, late]);
      clearTimeout(timer);
      for (const controller of running) controller.abort(new Error("the worker is shutting down"));
      await closing;
    },
  };
}
