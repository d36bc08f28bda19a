// MemoryStore against the idempotency port's contract, its own bounds, and the contract's own teeth.
import { FakeClock } from "@hooks/test-utils";
import { afterEach, describe, expect, test, vi } from "vitest";
import {
  type ClaimResult,
  type IdempotencyStore,
  InvalidOptionError,
  MemoryStore,
  StoreUnavailableError,
} from "../src/index";
import { idempotencyStoreContract, type StoreHarness } from "../src/testing";

function harness(store?: IdempotencyStore): StoreHarness {
  const clock = new FakeClock();
  return {
    store: store ?? new MemoryStore({ now: clock.now }),
    wait: async (ms) => clock.advance(ms),
    key: (name) => `contract:${name}`,
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("MemoryStore passes the idempotency port's contract", () => {
  for (const { name, run } of idempotencyStoreContract) test(name, () => run(harness()));
});

describe("MemoryStore", () => {
  test("when full, completed and expired ids make room, oldest first; a live lease is never evicted", async () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ maxEntries: 3, now: clock.now });
    const claim = (key: string, leaseMs = 60_000) => store.claim({ key, fingerprint: "f", leaseMs });
    const done = async (key: string) => {
      const result = await claim(key);
      if (result.status !== "acquired") throw new Error(`${key}: ${result.status}`);
      await store.complete({ key, token: result.token, retentionMs: 60_000 });
    };
    await done("a");
    await claim("live");
    await claim("short", 1_000);
    clock.advance(2_000); // "short" has expired; "a" is completed; "live" holds its lease
    expect((await claim("b")).status).toBe("acquired"); // evicts "a", the oldest completed
    expect((await claim("c")).status).toBe("acquired"); // evicts "short", expired
    expect((await claim("live")).status).toBe("in_progress");
    expect(store.size).toBe(3);
    await expect(claim("d")).rejects.toBeInstanceOf(StoreUnavailableError); // only leases left
  });

  test("full of leases in progress, it refuses new claims with StoreUnavailableError rather than evict one", async () => {
    const store = new MemoryStore({ maxEntries: 2 });
    await store.claim({ key: "x", fingerprint: "f", leaseMs: 60_000 });
    await store.claim({ key: "y", fingerprint: "f", leaseMs: 60_000 });
    await expect(store.claim({ key: "z", fingerprint: "f", leaseMs: 60_000 })).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    expect((await store.claim({ key: "x", fingerprint: "f", leaseMs: 60_000 })).status).toBe("in_progress");
  });

  test("a completed id moves to the newest end, so an older completed id is evicted before it", async () => {
    const store = new MemoryStore({ maxEntries: 2 });
    const complete = async (key: string) => {
      const claim = await store.claim({ key, fingerprint: "f", leaseMs: 60_000 });
      if (claim.status === "acquired") await store.complete({ key, token: claim.token, retentionMs: 60_000 });
    };
    await store.claim({ key: "a", fingerprint: "f", leaseMs: 60_000 });
    await complete("b");
    const a = await store.claim({ key: "a", fingerprint: "f", leaseMs: 60_000 });
    expect(a.status).toBe("in_progress");
    await complete("c"); // evicts completed "b", not the lease "a"
    expect((await store.claim({ key: "b", fingerprint: "f", leaseMs: 1 })).status).toBe("acquired");
  });

  test("starts no timer, so it never keeps a process alive", async () => {
    const timers = [vi.spyOn(globalThis, "setTimeout"), vi.spyOn(globalThis, "setInterval")];
    const store = new MemoryStore();
    const claim = await store.claim({ key: "k", fingerprint: "f", leaseMs: 1000 });
    if (claim.status === "acquired") await store.complete({ key: "k", token: claim.token, retentionMs: 1000 });
    for (const timer of timers) expect(timer).not.toHaveBeenCalled();
  });

  test("refuses a maxEntries that is not a whole number above 0", () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN])
      expect(() => new MemoryStore({ maxEntries })).toThrow(InvalidOptionError);
  });
});

describe("the contract catches broken stores", () => {
  // The naive recipe: look, then write, with the store's round trip in between.
  class ExistsThenSet implements IdempotencyStore {
    readonly inner = new MemoryStore();
    readonly seen = new Set<string>();
    async claim(request: { key: string; fingerprint: string; leaseMs: number }): Promise<ClaimResult> {
      const exists = this.seen.has(request.key);
      await new Promise((resolve) => setImmediate(resolve));
      if (exists) return { status: "in_progress", retryAfterMs: 1 };
      this.seen.add(request.key);
      return { status: "acquired", token: crypto.randomUUID() };
    }
    complete = async () => true;
    release = async () => true;
  }

  // Completion and release that do not check the owner.
  class NoOwnerCheck extends MemoryStore {
    override async complete(request: { key: string; token: string; retentionMs: number }): Promise<boolean> {
      const claim = await super.claim({ key: request.key, fingerprint: "f1", leaseMs: 1 });
      if (claim.status === "acquired") return super.complete({ ...request, token: claim.token });
      return true;
    }
  }

  const failures = async (store: () => IdempotencyStore) => {
    const failed: string[] = [];
    for (const { name, run } of idempotencyStoreContract) await run(harness(store())).catch(() => failed.push(name));
    return failed;
  };

  test("exists-then-set fails the concurrency case", async () => {
    expect(await failures(() => new ExistsThenSet())).toContain(
      "of 50 concurrent claims of one id exactly one acquires",
    );
  });

  test("a store that lets anyone complete fails the ownership cases", async () => {
    const failed = await failures(() => new NoOwnerCheck());
    expect(failed).toContain("a wrong token can neither complete nor release, and changes nothing");
  });
});
