// MemoryQueue: the embedded queue for development and tests. Not durable: a restart loses it.
import { type Clock, realClock } from "../clock";
import { invalidOption, isHooksError } from "../errors";
import { QueueUnavailableError } from "./errors";
import type { EventProcessor, EventQueue, QueuedEvent } from "./port";

/** Options of {@link MemoryQueue}. */
export interface MemoryQueueOptions {
  /** Runs per event before it is dead-lettered. Default 5. */
  readonly attempts?: number | undefined;
  /** Delay before the second run; each later one doubles it. Default 1000 ms. */
  readonly backoffMs?: number | undefined;
  /** Events run at once by `work`. Default 1. */
  readonly concurrency?: number | undefined;
  /** The clock for retry delays, the close timeout and `failedAt`: pass the receiver's. Default: the real one. */
  readonly clock?: Clock | undefined;
}

/** Options of `MemoryQueue.close`. */
export interface MemoryQueueCloseOptions {
  /** How long running handlers may take before their signal aborts. Default 30,000 ms. */
  readonly timeoutMs?: number | undefined;
}

/** An event of a {@link MemoryQueue} whose every run failed, with the last error. */
export interface MemoryDeadLetter {
  readonly event: QueuedEvent;
  /** The last run's error. */
  readonly error: unknown;
  readonly attempts: number;
  /** When the last run failed, in milliseconds since the epoch. */
  readonly failedAt: number;
}

interface Job {
  readonly event: QueuedEvent;
  attempts: number;
}

function whole(name: string, value: number | undefined, fallback: number, min: number): number {
  const checked = value ?? fallback;
  if (!Number.isSafeInteger(checked) || checked < min)
    invalidOption(name, `${name} must be a whole number, ${min} or more`);
  return checked;
}

/**
 * An in-process queue: the receiver answers 202 as soon as the event is in this process's memory,
 * and `work` runs it here with retries and exponential backoff, dead-lettering it after
 * `attempts` failed runs. **Not durable**: events waiting or running are lost when the process
 * exits, after the sender was told 202. Use it in development and tests; in production use a
 * durable queue (`@hooks/bullmq`), or no queue at all.
 *
 * @example
 * const queue = new MemoryQueue({ attempts: 3 });
 * const receiver = createReceiver({ scheme, secret, queue });
 * const worker = queue.work(receiver);
 * // on shutdown: await worker.close();
 */
export class MemoryQueue implements EventQueue {
  readonly #attempts: number;
  readonly #backoffMs: number;
  readonly #concurrency: number;
  readonly #jobs = new Map<string, Job>();
  readonly #ready: Job[] = [];
  readonly #timers = new Set<() => void>();
  readonly #dead = new Map<string, MemoryDeadLetter>();
  readonly #running = new Set<Promise<void>>();
  /** The jobs of the running promises above. */
  readonly #active = new Set<Job>();
  // One controller per running event (aborted on a late close): one shared signal would gather a
  // listener per running handler and trip Node's listener-leak warning past ten.
  readonly #controllers = new Set<AbortController>();
  readonly #clock: Clock;
  #processor: EventProcessor | undefined;
  #closed = false;

  constructor(options: MemoryQueueOptions = {}) {
    this.#attempts = whole("attempts", options.attempts, 5, 1);
    this.#backoffMs = whole("backoffMs", options.backoffMs, 1000, 0);
    this.#concurrency = whole("concurrency", options.concurrency, 1, 1);
    const clock = options.clock ?? realClock;
    if (typeof clock?.now !== "function" || typeof clock.setTimeout !== "function")
      invalidOption("clock", "clock must have now() and setTimeout(), like the receiver's");
    this.#clock = clock;
  }

  /** Events waiting, delayed for a retry, or running. */
  get size(): number {
    return this.#jobs.size;
  }

  async enqueue(event: QueuedEvent): Promise<void> {
    if (this.#closed) throw new QueueUnavailableError("MemoryQueue is closed");
    if (this.#jobs.has(event.key) || this.#dead.has(event.key)) return;
    // A structured copy, as a real queue would store: handlers cannot change what a retry sees.
    const job: Job = { event: structuredClone(event), attempts: 0 };
    this.#jobs.set(event.key, job);
    this.#ready.push(job);
    this.#pump();
  }

  /** Starts running events with `processor` (a receiver). One processor per queue. */
  work(processor: EventProcessor): { close(options?: MemoryQueueCloseOptions): Promise<void> } {
    if (typeof processor?.process !== "function")
      invalidOption("processor", "work() takes a receiver (anything with process(event, job))");
    if (this.#processor) invalidOption("processor", "this MemoryQueue already has a worker: one processor per queue");
    this.#processor = processor;
    this.#pump();
    return { close: (options) => this.close(options) };
  }

  /** The dead-lettered events, oldest first. */
  deadLetters(): MemoryDeadLetter[] {
    return [...this.#dead.values()];
  }

  /** Puts a dead-lettered event (by key) back for a fresh set of attempts; false if there is none. */
  redrive(key: string): boolean {
    const dead = this.#dead.get(key);
    if (!dead || this.#closed) return false;
    this.#dead.delete(key);
    const job: Job = { event: dead.event, attempts: 0 };
    this.#jobs.set(key, job);
    this.#ready.push(job);
    this.#pump();
    return true;
  }

  /**
   * Stops taking events and waits for the running ones; events still waiting are dropped (this
   * queue is not durable). Running handlers see their signal abort only if they outlive `timeoutMs`.
   */
  async close({ timeoutMs = 30_000 }: MemoryQueueCloseOptions = {}): Promise<void> {
    this.#closed = true;
    for (const cancel of this.#timers) cancel();
    this.#timers.clear();
    this.#ready.length = 0;
    // Waiting and delayed events are dropped (not durable); the running ones leave as they end.
    for (const [key, job] of this.#jobs) if (!this.#active.has(job)) this.#jobs.delete(key);
    let cancel = () => {};
    const late = new Promise<void>((resolve) => {
      cancel = this.#clock.setTimeout(() => {
        const reason = new QueueUnavailableError("MemoryQueue closed while the handler was running");
        for (const controller of this.#controllers) controller.abort(reason);
        resolve();
      }, timeoutMs);
    });
    await Promise.race([Promise.all(this.#running), late]);
    await Promise.all(this.#running);
    cancel();
  }

  #pump(): void {
    const processor = this.#processor;
    if (!processor || this.#closed) return;
    while (this.#running.size < this.#concurrency && this.#ready.length > 0) {
      const job = this.#ready.shift()!;
      this.#active.add(job);
      const run: Promise<void> = this.#run(processor, job).finally(() => {
        this.#running.delete(run);
        this.#active.delete(job);
        this.#pump();
      });
      this.#running.add(run);
    }
  }

  async #run(processor: EventProcessor, job: Job): Promise<void> {
    job.attempts++;
    const controller = new AbortController();
    this.#controllers.add(controller);
    try {
      await processor.process(job.event, {
        attempt: job.attempts,
        maxAttempts: this.#attempts,
        signal: controller.signal,
      });
      this.#jobs.delete(job.event.key);
    } catch (error) {
      if (this.#closed) return void this.#jobs.delete(job.event.key);
      // Another run holds the event, or the store is down: wait, without spending an attempt.
      // (By code, not class: the receiver may come from another copy of @hooks/core.)
      const later = isHooksError(error, "in_progress", "store_unavailable");
      if (later) job.attempts--;
      else if (job.attempts >= this.#attempts || isHooksError(error, "fingerprint_mismatch")) {
        this.#jobs.delete(job.event.key);
        const failedAt = this.#clock.now();
        this.#dead.set(job.event.key, { event: job.event, error, attempts: job.attempts, failedAt });
        return;
      }
      const retryAfterMs = later ? Number((error as { retryAfterMs?: unknown }).retryAfterMs) : Number.NaN;
      const wait = Number.isFinite(retryAfterMs) ? retryAfterMs : this.#backoffMs * 2 ** (job.attempts - 1);
      const delay = Math.min(wait, 2_147_483_647); // the longest a timer can wait
      const cancel = this.#clock.setTimeout(() => {
        this.#timers.delete(cancel);
        this.#ready.push(job);
        this.#pump();
      }, delay);
      this.#timers.add(cancel);
    } finally {
      this.#controllers.delete(controller);
    }
  }
}
