// The direct path: method → body → verify → event → claimed run (handlers, or the queue) → one outcome.
import { toBase64, utf8 } from "../crypto/encoding";
import { type Body, backend } from "../crypto/hmac";
import type { VerifiedDelivery } from "../delivery";
import type { Registry, WebhookEvent } from "../dispatch";
import { invalidOption, isHooksError, VERIFICATION_CODES } from "../errors";
import { type HeadersInput, headerReader } from "../headers";
import { type HttpResponse, type Outcome, type OutcomeCode, toResponse } from "../http";
import { type Payload, rawBody } from "../payload";
import type { QueuedEvent } from "../queue/port";
import { verifyDelivery } from "../verify";
import { claimedRun, type WorkResult } from "./claimed-run";
import { readEvent } from "./event";
import type { Settings } from "./options";
import { runHandlers } from "./run";

/** A delivery as an adapter hands it over. */
export interface Delivery {
  /** The HTTP method, when the adapter knows it: anything but POST is answered 405. */
  readonly method?: string | undefined;
  readonly headers: HeadersInput;
  /**
   * The raw body, or a promise of it while it is read (`@hooks/core/node` reads one): a rejection
   * with a `RequestBodyError` code (`payload_too_large`, `body_timeout`, `request_aborted`) or
   * `invalid_payload` becomes that outcome.
   */
  readonly body: Payload | PromiseLike<Payload>;
}

const BODY_CODES = ["payload_too_large", "body_timeout", "request_aborted", "invalid_payload"] as const;

/**
 * SHA-256 of the raw body, base64: the event's fingerprint in the store. Synchronous where the
 * backend is (Node): no promise and no extra tick on the path every new event takes.
 */
function fingerprintOf(body: Body): string | Promise<string> {
  const digest = backend().sha256(body);
  return digest instanceof Uint8Array ? toBase64(digest) : digest.then(toBase64);
}

export function createDeliver(settings: Settings, registry: Registry) {
  const { scheme, keys, missingSecret, toleranceSeconds, maxBodyBytes, clock, queue, report } = settings;
  const now = () => clock.now();

  return async function deliver(delivery: Delivery, started: number): Promise<HttpResponse> {
    if (typeof delivery !== "object" || delivery === null)
      invalidOption("delivery", "receive takes { method?, headers, body }");
    let id: string | undefined;
    let type: string | undefined;
    const end = (code: OutcomeCode, fields?: Partial<Outcome>) =>
      toResponse(report(code, started, { id, type, ...fields }));

    if (delivery.method !== undefined && delivery.method !== "POST") return end("method_not_allowed");
    let body: Body;
    try {
      const given = delivery.body;
      body = rawBody(typeof (given as PromiseLike<Payload>)?.then === "function" ? await given : given);
    } catch (error) {
      // A body that could not be read whole is never verified (a cut-off upload is not a forgery);
      // an adapter that handed over something else is answered invalid_payload.
      return end(isHooksError(error, ...BODY_CODES) ? error.code : "invalid_payload", { error });
    }
    if ((typeof body === "string" ? utf8(body).length : body.length) > maxBodyBytes) return end("payload_too_large");

    if (missingSecret) return end("invalid_secret", { error: missingSecret });
    const header = headerReader(delivery.headers);
    let verified: VerifiedDelivery;
    try {
      verified = await verifyDelivery(scheme, keys, header, body, toleranceSeconds, now);
    } catch (error) {
      // Only our own verification errors say why a delivery is refused. Anything else (a custom
      // scheme that throws a TypeError on a missing header, a clock that returns NaN) is a bug in the
      // receiving code: 500 so the sender retries once it is fixed, logged with its stack, and never
      // answered with its message.
      return isHooksError(error, ...VERIFICATION_CODES) ? end(error.code, { error }) : end("internal_error", { error });
    }

    const read = readEvent(body, header, verified, settings.readEvent);
    id = read.id;
    type = read.type;
    if (!read.ok) return end(read.code, { error: read.error });
    const { parsed, fields } = read;
    const handlers = registry.match(read.type);
    if (handlers.length === 0) return end(settings.unhandled === "acknowledge" ? "unhandled" : "unhandled_rejected");

    const key = `${scheme.name}:${read.id}`;
    const fingerprint = fingerprintOf(body);
    let work: (leaseLeftMs: number) => Promise<WorkResult>;
    if (queue) {
      // Nothing is acknowledged that is not stored: a failed enqueue releases the claim for the
      // sender's retry. Once stored the queue owns the event, and the sender's copies are duplicates;
      // a completion the store did not record only means a copy is handed off again, which the
      // queue (one job per key) and the worker's own claim absorb.
      work = async () => {
        const queued: QueuedEvent = {
          key,
          id: read.id,
          type: read.type,
          data: fields.data,
          body: parsed,
          attempt: fields.attempt,
          delivery: verified,
          fingerprint: await fingerprint,
          receivedAt: clock.now(),
        };
        try {
          await queue.enqueue(queued);
          return {};
        } catch (error) {
          return { failed: { code: "queue_unavailable", error } };
        }
      };
    } else {
      const event: WebhookEvent = { id: read.id, type: read.type, data: fields.data, body: parsed };
      const extra = { attempt: fields.attempt, delivery: verified };
      work = (leaseLeftMs) => runHandlers(clock, settings.leaseMs, handlers, event, extra, leaseLeftMs);
    }

    const settled = await claimedRun(settings, key, fingerprint, work);
    switch (settled.code) {
      case "done":
        // The handlers' effects happened (or the queue holds the event): answer 2xx even if the
        // completion was not recorded, since a 5xx would make the sender retry and run them again.
        return end(queue ? "queued" : "processed", {
          recorded: settled.recorded,
          error: settled.error,
          handlerMs: settled.handlerMs,
        });
      case "in_progress":
        return end("in_progress", { retryAfterSeconds: Math.max(1, Math.ceil(settled.retryAfterMs / 1000)) });
      case "duplicate":
      case "fingerprint_mismatch":
        return end(settled.code);
      default:
        return end(settled.code, {
          error: settled.error,
          handlerMs: "handlerMs" in settled ? settled.handlerMs : undefined,
        });
    }
  };
}
