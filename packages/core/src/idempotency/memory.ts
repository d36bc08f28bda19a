// MemoryStore: the embedded idempotency store, bounded and expiring, with no timers.
import { invalidOption } from "../errors";
import { type ClaimResult, type IdempotencyStore, StoreUnavailableError } from "./port";

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Most ids held at once. When full, expired and completed ids go first, oldest first. Default 100,000. */
  readonly maxEntries?: number;
  /** The clock in milliseconds. Default `Date.now`. */
  readonly now?: () => number;
}

interface Entry {
  readonly fingerprint: string;
  /** Set while leased; undefined once completed. */
  readonly token: string | undefined;
  readonly expiresAt: number;
}

/**
 * Keeps event ids in this process's memory. Right for one process and for development; several
 * processes or machines behind a load balancer need a shared store (`@hooks/redis`).
 *
 * Expired entries are dropped when touched and when room is needed, so no timer keeps a process
 * alive. When `maxEntries` is reached, expired and completed ids make room, oldest first; a
 * completed id evicted before its retention ends means a very late duplicate of it would run again,
 * so size `maxEntries` above the events you receive within the retention period. A lease in
 * progress is never evicted (that would let a duplicate run alongside it): a store full of leases
 * refuses new claims with `StoreUnavailableError`, which the receiver answers with 503.
 */
export class MemoryStore implements IdempotencyStore {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      invalidOption("maxEntries", "maxEntries must be a whole number, 1 or more");
    this.#maxEntries = maxEntries;
    this.#now = options.now ?? Date.now;
  }

  /** How many ids are held (leased or completed), expired ones included until touched. */
  get size(): number {
    return this.#entries.size;
  }

  #live(key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #set(key: string, entry: Entry): void {
    // Re-inserting moves the key to the newest end, so iteration order is age order.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
  }

  /** Frees one place if the store is full, from expired and completed entries, oldest first. */
  #makeRoom(now: number): boolean {
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size < this.#maxEntries) break;
      if (entry.expiresAt <= now || entry.token === undefined) this.#entries.delete(key);
    }
    return this.#entries.size < this.#maxEntries;
  }

  async claim({ key, fingerprint, leaseMs }: Parameters<IdempotencyStore["claim"]>[0]): Promise<ClaimResult> {
    const now = this.#now();
    const entry = this.#live(key, now);
    if (!entry) {
      if (!this.#makeRoom(now)) {
        throw new StoreUnavailableError(`MemoryStore holds ${this.#maxEntries} events in progress: raise maxEntries`);
      }
      const token = crypto.randomUUID();
      this.#set(key, { fingerprint, token, expiresAt: now + leaseMs });
      return { status: "acquired", token };
    }
    if (entry.fingerprint !== fingerprint) return { status: "fingerprint_mismatch" };
    if (entry.token === undefined) return { status: "completed" };
    return { status: "in_progress", retryAfterMs: entry.expiresAt - now };
  }

  async complete({ key, token, retentionMs }: Parameters<IdempotencyStore["complete"]>[0]): Promise<boolean> {
    const now = this.#now();
    const entry = this.#live(key, now);
    if (entry?.token === undefined || entry.token !== token) return false;
    this.#set(key, { fingerprint: entry.fingerprint, token: undefined, expiresAt: now + retentionMs });
    return true;
  }

  async release({ key, token }: Parameters<IdempotencyStore["release"]>[0]): Promise<boolean> {
    const entry = this.#live(key, this.#now());
    if (entry?.token === undefined || entry.token !== token) return false;
    this.#entries.delete(key);
    return true;
  }
}
