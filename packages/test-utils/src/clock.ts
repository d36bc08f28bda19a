// A fake clock for receivers, stores and queues: time moves only when a test advances it.
import type { Clock } from "@hooks/core";

/**
 * The receiver's `Clock` with time under the test's control. Starts at 2023-11-14T22:13:20Z
 * (1 700 000 000 000 ms); `advance` fires the timers that come due, in order.
 *
 * @example
 * const clock = new FakeClock();
 * const receiver = createReceiver({ scheme, secret, clock, leaseSeconds: 5 });
 * clock.advance(5_000); // the lease ends now
 */
export class FakeClock implements Clock {
  /** The current time, in milliseconds since the epoch. */
  time = 1_700_000_000_000;
  readonly #timers = new Set<{ readonly at: number; readonly callback: () => void }>();

  readonly now = (): number => this.time;

  readonly setTimeout = (callback: () => void, ms: number): (() => void) => {
    const timer = { at: this.time + ms, callback };
    this.#timers.add(timer);
    return () => this.#timers.delete(timer);
  };

  /** Moves time forward and fires, in order, every timer that has come due. */
  advance(ms: number): void {
    this.time += ms;
    const due = [...this.#timers].filter((timer) => timer.at <= this.time).sort((a, b) => a.at - b.at);
    for (const timer of due) if (this.#timers.delete(timer)) timer.callback();
  }

  /** Timers set and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /**
   * `advance` for timers that start async work (retries, leases): fires the timers due within `ms`
   * one at a time, in order, letting promises settle (one event-loop turn, enough for promise
   * chains but not for I/O) before the first and after each, so a timer the woken work sets inside
   * the window fires too, at its own time.
   *
   * @example
   * const queue = new MemoryQueue({ clock, attempts: 3, backoffMs: 20 });
   * await clock.advanceAsync(60); // the retry at +20 fails, and the one at +60 runs too
   */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.time + ms;
    await nextTurn();
    for (let timer = this.#earliest(end); timer; timer = this.#earliest(end)) {
      this.#fire(timer);
      await nextTurn();
    }
    this.time = Math.max(this.time, end);
  }

  /**
   * Lets time run out: fires every timer, earliest first, letting promises settle after each, until
   * none is left; resolves to the milliseconds that passed. Fails after `maxTimers` firings (work
   * that keeps setting timers, such as an endless retry, never goes idle).
   */
  async runUntilIdle({ maxTimers = 10_000 }: { readonly maxTimers?: number } = {}): Promise<number> {
    const start = this.time;
    await nextTurn();
    for (let fired = 0; ; fired++) {
      const timer = this.#earliest(Number.POSITIVE_INFINITY);
      if (!timer) return this.time - start;
      if (fired >= maxTimers)
        throw new Error(`FakeClock.runUntilIdle: timers still set after ${maxTimers} fired (an endless retry?)`);
      this.#fire(timer);
      await nextTurn();
    }
  }

  /** The first timer due by `until` (the first set, among equals), as `advance` orders them. */
  #earliest(until: number): { readonly at: number; readonly callback: () => void } | undefined {
    let first: { readonly at: number; readonly callback: () => void } | undefined;
    for (const timer of this.#timers) if (timer.at <= until && (!first || timer.at < first.at)) first = timer;
    return first;
  }

  #fire(timer: { readonly at: number; readonly callback: () => void }): void {
    this.time = Math.max(this.time, timer.at);
    this.#timers.delete(timer);
    timer.callback();
  }
}

/** One turn of the event loop: pending promise callbacks and ticks run first. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === "function") setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}
