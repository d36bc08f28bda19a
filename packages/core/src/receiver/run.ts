// The handlers' run under a lease: past it (or when the queue's signal aborts) their signal aborts.
import type { Clock } from "../clock";
import type { HandlerContext, WebhookEvent } from "../dispatch";
import { HandlerTimeoutError } from "../errors";
import type { WorkResult } from "./claimed-run";

type AnyHandler = (event: WebhookEvent, context: HandlerContext) => unknown;

/**
 * Runs `handlers` in order with `leaseLeftMs` to go: past it (or when `outer` aborts) the handlers'
 * signal aborts and the run ends with that reason, even if a handler ignores the signal. A lease
 * already over when the claim came back (a slow store) starts nothing: another run may hold it now.
 */
export async function runHandlers(
  clock: Clock,
  leaseMs: number,
  handlers: readonly AnyHandler[],
  event: WebhookEvent,
  extra: Pick<HandlerContext, "attempt" | "delivery" | "job">,
  leaseLeftMs: number,
  outer?: AbortSignal,
): Promise<WorkResult> {
  const { id, type } = event;
  if (leaseLeftMs <= 0) {
    const error = new HandlerTimeoutError(`the claim of ${type} ${id} took longer than its lease`);
    return { failed: { code: "handler_timeout", error } };
  }
  const controller = new AbortController();
  const context: HandlerContext = { id, type, signal: controller.signal, ...extra };
  const started = performance.now();
  let cancelTimer = () => {};
  let stopFollowing = () => {};
  const expired = new Promise<{ error: unknown }>((resolve) => {
    cancelTimer = clock.setTimeout(() => {
      const error = new HandlerTimeoutError(`the handler for ${type} ${id} ran past its ${leaseMs / 1000} s lease`);
      controller.abort(error);
      resolve({ error });
    }, leaseLeftMs);
    if (outer) {
      const stop = () => {
        controller.abort(outer.reason);
        resolve({ error: outer.reason });
      };
      if (outer.aborted) stop();
      outer.addEventListener("abort", stop, { once: true });
      stopFollowing = () => outer.removeEventListener("abort", stop);
    }
  });
  const ran = (async () => {
    for (const handler of handlers) {
      // After a timeout the answer is out and the event released: start nothing more.
      controller.signal.throwIfAborted();
      await handler(event, context);
    }
  })().then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  const failure = await Promise.race([ran, expired]);
  cancelTimer();
  stopFollowing();
  const handlerMs = performance.now() - started;
  if (!failure) return { handlerMs };
  const code = failure.error instanceof HandlerTimeoutError ? "handler_timeout" : "handler_failed";
  return { failed: { code, error: failure.error }, handlerMs };
}
