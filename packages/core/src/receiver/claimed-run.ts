// The one claimed run, shared by the direct path and the queue worker: claim, work under the lease, settle.
import type { Clock } from "../clock";
import { type IdempotencyStore, StoreUnavailableError } from "../idempotency/port";

/** What the work did while it held the claim; `failed` gives the event up for a retry. */
export interface WorkResult {
  readonly failed?: {
    readonly code: "handler_failed" | "handler_timeout" | "queue_unavailable";
    readonly error: unknown;
  };
  /** Time spent in the handlers, when the work ran them. */
  readonly handlerMs?: number | undefined;
}

/** How a claimed run ended. */
export type Settled =
  /** The work succeeded; `recorded` says whether the store took the completion (`error` when it threw). */
  | {
      readonly code: "done";
      readonly recorded: boolean;
      readonly error?: unknown;
      readonly handlerMs?: number | undefined;
    }
  /** The work failed and the claim was released. */
  | {
      readonly code: "handler_failed" | "handler_timeout" | "queue_unavailable";
      readonly error: unknown;
      readonly handlerMs?: number | undefined;
    }
  /** The store answered without a claim: done before, held by another run, or another body. */
  | { readonly code: "duplicate" | "fingerprint_mismatch" }
  | { readonly code: "in_progress"; readonly retryAfterMs: number }
  /** The store did not answer: nothing ran. */
  | { readonly code: "store_unavailable"; readonly error: unknown };

export interface ClaimSettings {
  readonly store: IdempotencyStore;
  readonly clock: Clock;
  readonly leaseMs: number;
  readonly retentionMs: number;
}

/**
 * Claims `key` for the lease, hands `work` the lease time left, then settles: a failed work
 * releases the claim (so a retry runs it again), a successful one completes it for the retention.
 * The work's effects happened once it succeeded, whatever the store says of the completion.
 */
export async function claimedRun(
  settings: ClaimSettings,
  key: string,
  fingerprint: string | Promise<string>,
  work: (leaseLeftMs: number) => Promise<WorkResult>,
): Promise<Settled> {
  const { store, clock, leaseMs } = settings;
  // The store's lease runs from the claim request, so ours does too: time spent waiting for the
  // claim's answer is time the work no longer has.
  const claimedAt = clock.now();
  let token: string;
  try {
    const digest = typeof fingerprint === "string" ? fingerprint : await fingerprint;
    const claim = await store.claim({ key, fingerprint: digest, leaseMs });
    if (claim.status === "completed") return { code: "duplicate" };
    if (claim.status === "fingerprint_mismatch") return { code: "fingerprint_mismatch" };
    if (claim.status === "in_progress") return { code: "in_progress", retryAfterMs: claim.retryAfterMs };
    if (claim.status !== "acquired" || typeof claim.token !== "string")
      throw new StoreUnavailableError(
        `the store answered a claim with status ${String((claim as { status?: unknown })?.status)}`,
      );
    token = claim.token;
  } catch (error) {
    return { code: "store_unavailable", error };
  }
  const { failed, handlerMs } = await work(claimedAt + leaseMs - clock.now());
  if (failed) {
    // After a timeout the lease has ended anyway; releasing also covers a store clock behind ours.
    await store.release({ key, token }).catch(() => false);
    return { ...failed, handlerMs };
  }
  try {
    return {
      code: "done",
      recorded: await store.complete({ key, token, retentionMs: settings.retentionMs }),
      handlerMs,
    };
  } catch (error) {
    return { code: "done", recorded: false, error, handlerMs };
  }
}
