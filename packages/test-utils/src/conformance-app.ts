// The receiver every entry point serves in the conformance suite (`./conformance`): one secret, one
// scheme, one set of limits, and a count of handler runs per event id. Plain TypeScript with no
// imports: it is bundled into Next.js apps and run by Bun and Deno, each with its own @hooks/core.

/** The options every conformance app uses; the suite signs and sizes its requests by them. */
export const CONFORMANCE = {
  secret: "conformance-secret",
  /** The seed scheme, `schemes.timestampedHmac({ provider })`: `x-conformance-signature`/`-timestamp`. */
  provider: "conformance",
  maxBodyBytes: 1_048_576 * 8, // 8 MiB
  bodyTimeoutMs: 1500,
  /** `GET <app>/conformance/runs?id=X` answers `{"runs":N}` (see {@link runsResponse}). */
  runsPath: "/conformance/runs",
  /** The event type whose handler waits {@link CONFORMANCE.slowMs} before counting its run. */
  slowType: "conformance.slow",
  slowMs: 300,
} as const;

/** The options `conformanceReceiver` creates the receiver with. */
export interface ConformanceReceiverOptions<S> {
  readonly scheme: S;
  readonly secret: string;
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
  readonly logger: false;
}

/** What the suite needs of a receiver: a catch-all handler. */
export interface ConformanceReceiverLike {
  on(pattern: "*", handler: (event: { readonly id: string; readonly type: string }) => unknown): unknown;
}

/** The parts of the @hooks/core module under test that the app uses. */
export interface ConformanceCore<R extends ConformanceReceiverLike, S> {
  createReceiver(options: ConformanceReceiverOptions<S>): R;
  readonly schemes: { timestampedHmac(options: { readonly provider: string }): S };
}

/**
 * The conformance receiver, created with `core` (the app's own copy of @hooks/core): CONFORMANCE's
 * secret and limits, no logging, and an `on("*")` handler that counts its runs per event id
 * (waiting 300 ms first for `conformance.slow`, so concurrent copies overlap).
 *
 * @example
 * import * as core from "@hooks/core";
 * const { receiver, runs } = conformanceReceiver(core);
 */
export function conformanceReceiver<R extends ConformanceReceiverLike, S>(
  core: ConformanceCore<R, S>,
): { readonly receiver: R; runs(id: string): number } {
  const counts = new Map<string, number>();
  const receiver = core.createReceiver({
    scheme: core.schemes.timestampedHmac({ provider: CONFORMANCE.provider }),
    secret: CONFORMANCE.secret,
    maxBodyBytes: CONFORMANCE.maxBodyBytes,
    bodyTimeoutMs: CONFORMANCE.bodyTimeoutMs,
    logger: false,
  });
  receiver.on("*", async (event) => {
    if (event.type === CONFORMANCE.slowType) await new Promise((resolve) => setTimeout(resolve, CONFORMANCE.slowMs));
    counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
  });
  return { receiver, runs: (id) => counts.get(id) ?? 0 };
}

/**
 * The answer to `GET …/conformance/runs?id=X`: `{"runs":N}` with the handler runs of event X, so the
 * suite can count runs in an app served out of process. A missing `id` answers 400.
 *
 * @example
 * if (new URL(request.url).pathname === CONFORMANCE.runsPath) return runsResponse(runs, request.url);
 */
export function runsResponse(runs: (id: string) => number, url: string): Response {
  const id = new URL(url, "http://localhost").searchParams.get("id");
  if (id === null) return Response.json({ code: "missing_id" }, { status: 400 });
  return Response.json({ runs: runs(id) });
}
