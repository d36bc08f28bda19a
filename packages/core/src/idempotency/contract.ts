// The idempotency port's contract as runnable cases, so every store proves the same behaviour.
import type { ClaimResult, IdempotencyStore } from "./port";

/** What a store's test supplies to run the contract. */
export interface StoreHarness {
  readonly store: IdempotencyStore;
  /**
   * Lets `ms` milliseconds pass for the store: advance a fake clock, or really wait for a store
   * with server-side expiry (Redis). Expiry cases use a 300 ms lease and a 1 s retention and wait
   * twice as long as they must, so a store a few round trips slower than local memory still passes.
   */
  wait(ms: number): Promise<void>;
  /** A key no other case or run uses (e.g. with a unique prefix), so cases cannot interfere. */
  key(name: string): string;
}

/** One case of the contract: fails by throwing. */
export interface ContractCase {
  readonly name: string;
  run(harness: StoreHarness): Promise<void>;
}

// Cases that only need a lease to still hold use a long one, so slow round trips cannot expire it.
const LEASE_MS = 10_000;
const SHORT_LEASE_MS = 300;
const RETENTION_MS = 1_000;

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`store contract violated: ${message}`);
}

async function acquire(store: IdempotencyStore, key: string, fingerprint = "f1", leaseMs = LEASE_MS): Promise<string> {
  const result = await store.claim({ key, fingerprint, leaseMs });
  check(result.status === "acquired", `expected "acquired", got ${JSON.stringify(result)}`);
  check(typeof result.token === "string" && result.token.length > 0, "an acquired claim carries a token");
  return result.token;
}

function expectStatus(result: ClaimResult, status: ClaimResult["status"]): void {
  check(result.status === status, `expected "${status}", got ${JSON.stringify(result)}`);
}

/**
 * Every case a store must pass. Run them with your test runner, e.g. with vitest:
 *
 * @example
 * for (const { name, run } of idempotencyStoreContract) test(name, () => run(harness));
 */
export const idempotencyStoreContract: readonly ContractCase[] = [
  {
    name: "a first claim acquires; a second one while leased is in progress, with the time left on the lease",
    async run({ store, key }) {
      const k = key("in-progress");
      await acquire(store, k);
      const second = await store.claim({ key: k, fingerprint: "f1", leaseMs: LEASE_MS });
      expectStatus(second, "in_progress");
      if (second.status === "in_progress") {
        check(
          second.retryAfterMs > 0 && second.retryAfterMs <= LEASE_MS,
          `retryAfterMs ${second.retryAfterMs} within (0, lease]`,
        );
      }
    },
  },
  {
    name: "completion by the owner makes later claims duplicates, for the retention period and no longer",
    async run({ store, key, wait }) {
      const k = key("complete");
      const token = await acquire(store, k);
      check(await store.complete({ key: k, token, retentionMs: RETENTION_MS }), "the owner can complete");
      expectStatus(await store.claim({ key: k, fingerprint: "f1", leaseMs: LEASE_MS }), "completed");
      await wait(RETENTION_MS / 2);
      expectStatus(await store.claim({ key: k, fingerprint: "f1", leaseMs: LEASE_MS }), "completed");
      await wait(RETENTION_MS);
      await acquire(store, k);
    },
  },
  {
    name: "the same id with another fingerprint is a mismatch, leased or completed",
    async run({ store, key }) {
      const k = key("fingerprint");
      const token = await acquire(store, k, "f1");
      expectStatus(await store.claim({ key: k, fingerprint: "f2", leaseMs: LEASE_MS }), "fingerprint_mismatch");
      check(await store.complete({ key: k, token, retentionMs: RETENTION_MS }), "the owner can complete");
      expectStatus(await store.claim({ key: k, fingerprint: "f2", leaseMs: LEASE_MS }), "fingerprint_mismatch");
      expectStatus(await store.claim({ key: k, fingerprint: "f1", leaseMs: LEASE_MS }), "completed");
    },
  },
  {
    name: "release by the owner lets the next claim acquire with a new token",
    async run({ store, key }) {
      const k = key("release");
      const token = await acquire(store, k);
      check(await store.release({ key: k, token }), "the owner can release");
      const next = await acquire(store, k);
      check(next !== token, "a new claim gets a new token");
    },
  },
  {
    name: "a wrong token can neither complete nor release, and changes nothing",
    async run({ store, key }) {
      const k = key("wrong-token");
      const token = await acquire(store, k);
      check(
        !(await store.complete({ key: k, token: `${token}x`, retentionMs: RETENTION_MS })),
        "complete with a wrong token fails",
      );
      check(!(await store.release({ key: k, token: `${token}x` })), "release with a wrong token fails");
      expectStatus(await store.claim({ key: k, fingerprint: "f1", leaseMs: LEASE_MS }), "in_progress");
      check(await store.complete({ key: k, token, retentionMs: RETENTION_MS }), "the owner still completes");
    },
  },
  {
    name: "after the lease expires the next claim acquires, and the stale owner can neither complete nor release",
    async run({ store, key, wait }) {
      const k = key("lease-expiry");
      const stale = await acquire(store, k, "f1", SHORT_LEASE_MS);
      await wait(SHORT_LEASE_MS * 2);
      const fresh = await acquire(store, k);
      check(
        !(await store.complete({ key: k, token: stale, retentionMs: RETENTION_MS })),
        "a stale owner cannot complete",
      );
      check(!(await store.release({ key: k, token: stale })), "a stale owner cannot release");
      expectStatus(await store.claim({ key: k, fingerprint: "f1", leaseMs: LEASE_MS }), "in_progress");
      check(await store.complete({ key: k, token: fresh, retentionMs: RETENTION_MS }), "the new owner completes");
    },
  },
  {
    name: "after its lease expires, even with no takeover, the owner can no longer complete",
    async run({ store, key, wait }) {
      const k = key("expired-owner");
      const token = await acquire(store, k, "f1", SHORT_LEASE_MS);
      await wait(SHORT_LEASE_MS * 2);
      check(!(await store.complete({ key: k, token, retentionMs: RETENTION_MS })), "an expired owner cannot complete");
      await acquire(store, k);
    },
  },
  {
    name: "a completed or released claim cannot be completed or released again",
    async run({ store, key }) {
      const k = key("twice");
      const token = await acquire(store, k);
      check(await store.complete({ key: k, token, retentionMs: RETENTION_MS }), "the owner can complete");
      check(!(await store.complete({ key: k, token, retentionMs: RETENTION_MS })), "a second complete fails");
      check(!(await store.release({ key: k, token })), "release after complete fails");
      expectStatus(await store.claim({ key: k, fingerprint: "f1", leaseMs: LEASE_MS }), "completed");
    },
  },
  {
    name: "of 50 concurrent claims of one id exactly one acquires",
    async run({ store, key }) {
      const k = key("race");
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.claim({ key: k, fingerprint: "f1", leaseMs: LEASE_MS })),
      );
      const acquired = results.filter((result) => result.status === "acquired").length;
      check(acquired === 1, `${acquired} of 50 concurrent claims acquired`);
      check(
        results.every((result) => result.status === "acquired" || result.status === "in_progress"),
        "the others are in progress",
      );
    },
  },
  {
    name: "keys are independent",
    async run({ store, key }) {
      const a = key("independent-a");
      const b = key("independent-b");
      const token = await acquire(store, a);
      await acquire(store, b);
      check(await store.complete({ key: a, token, retentionMs: RETENTION_MS }), "completing one key");
      expectStatus(await store.claim({ key: b, fingerprint: "f1", leaseMs: LEASE_MS }), "in_progress");
    },
  },
];
