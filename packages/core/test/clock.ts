// A fake clock for the receiver and MemoryStore: time moves only when a test advances it.
import type { Clock } from "../src/index";

export class FakeClock implements Clock {
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

  get pendingTimers(): number {
    return this.#timers.size;
  }
}
