// Time as the receiver and the memory queue see it: injectable, so tests drive leases and retries.

/** Time as the receiver sees it; injectable so tests can drive leases with a fake clock. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` after `ms`; returns a function that cancels it. */
  setTimeout(callback: () => void, ms: number): () => void;
}

/** The real clock: `Date.now` and the runtime's timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};
