// Queue mode's worker side: the same claimed run, under the event's run key, answering the queue.
import type { Registry, WebhookEvent } from "../dispatch";
import { invalidOption, isHooksError } from "../errors";
import type { Outcome, OutcomeCode } from "../http";
import { EventBusyError, RetryLaterError, UnhandledEventError, UnrecoverableEventError } from "../queue/errors";
import type { JobContext, ProcessResult, QueuedEvent } from "../queue/port";
import { claimedRun } from "./claimed-run";
import type { Settings } from "./options";
import { runHandlers } from "./run";

/** Run keys live beside event keys (`scheme:id`); ids never hold a comma, so the two never meet. */
const RUN_SUFFIX = ",run";

/** How long a queue waits before retrying a run whose store did not answer. */
const STORE_RETRY_MS = 5000;

export function createProcess(settings: Settings, registry: Registry) {
  const { clock, report } = settings;

  return async function process(queued: QueuedEvent, job: JobContext): Promise<ProcessResult> {
    const started = performance.now();
    const { key, id, type, fingerprint } = queued ?? {};
    if (
      typeof key !== "string" ||
      typeof id !== "string" ||
      typeof type !== "string" ||
      typeof fingerprint !== "string"
    )
      invalidOption("event", "process() takes the event a receiver enqueued: { key, id, type, fingerprint, … }");
    const jobFields = { attempt: job.attempt, maxAttempts: job.maxAttempts };
    const end = (code: OutcomeCode, fields?: Partial<Outcome>) =>
      report(code, started, { id, type, job: jobFields, ...fields });
    const handlers = registry.match(type);
    if (handlers.length === 0) {
      // A worker deployed without the handler the receiving side had: with the reject policy the
      // event stays in the queue (retried, then dead-lettered, to re-drive once the worker has it).
      if (settings.unhandled === "reject") {
        const error = new UnhandledEventError(type, `no handler for ${type} in this worker (unhandled: "reject")`);
        end("unhandled_rejected", { error });
        throw error;
      }
      end("unhandled");
      return "unhandled";
    }

    const event: WebhookEvent = { id, type, data: queued.data, body: queued.body };
    const extra = { attempt: queued.attempt, delivery: queued.delivery, job: jobFields };
    const settled = await claimedRun(settings, key + RUN_SUFFIX, fingerprint, (leaseLeftMs) =>
      runHandlers(clock, settings.leaseMs, handlers, event, extra, leaseLeftMs, job.signal),
    );
    switch (settled.code) {
      case "done":
        // The effects happened: the run succeeded even if the store cannot record it.
        end("processed", { recorded: settled.recorded, error: settled.error, handlerMs: settled.handlerMs });
        return "processed";
      case "duplicate":
        end("duplicate");
        return "duplicate";
      case "in_progress": {
        const { retryAfterMs } = settled;
        const error = new EventBusyError(`another run of ${type} ${id} holds it for ${retryAfterMs} ms`, retryAfterMs);
        end("in_progress", { error, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) });
        throw error;
      }
      case "fingerprint_mismatch": {
        const error = new UnrecoverableEventError(`${type} ${id} was run before with a different body: not run again`);
        end("fingerprint_mismatch", { error });
        throw error;
      }
      case "store_unavailable": {
        // Not the handlers' failure: the queue waits for the store without spending an attempt.
        const message = `the idempotency store did not answer for ${type} ${id}`;
        const error = new RetryLaterError("store_unavailable", message, STORE_RETRY_MS, { cause: settled.error });
        end("store_unavailable", { error });
        throw error;
      }
      default: {
        end(settled.code, { error: settled.error, handlerMs: settled.handlerMs });
        // The handler's own error goes to the queue as it is, unless it is one of ours that a queue
        // reads as "wait" or "give up" (a store or another receiver failing inside the handler):
        // that one is wrapped, so the run counts as a failed attempt like any other.
        if (isHooksError(settled.error, "in_progress", "store_unavailable", "fingerprint_mismatch"))
          throw new Error(`a handler for ${type} ${id} failed: ${(settled.error as Error).message}`, {
            cause: settled.error,
          });
        throw settled.error;
      }
    }
  };
}
