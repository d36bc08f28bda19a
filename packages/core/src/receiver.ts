// The receive pipeline: verify → parse → claim → dispatch → settle → one outcome, one status.
import { toBase64, utf8 } from "./crypto/encoding";
import { type Body, backend } from "./crypto/hmac";
import {
  createRegistry,
  type EventMap,
  type Handler,
  type HandlerContext,
  type Pattern,
  type WebhookEvent,
} from "./dispatch";
import { WebhookVerificationError } from "./errors";
import { type HeaderReader, type HeadersInput, headerReader } from "./headers";
import { type HttpResponse, type Outcome, type OutcomeCode, statusOf, toResponse } from "./http";
import { MemoryStore } from "./idempotency/memory";
import type { ClaimResult, IdempotencyStore } from "./idempotency/port";
import { type Key, keysFor } from "./keys";
import { createLog, type Logger } from "./log";
import { type Payload, rawBody } from "./payload";
import {
  EventBusyError,
  type EventQueue,
  type JobContext,
  type ProcessResult,
  type QueuedEvent,
  RetryLaterError,
  UnrecoverableEventError,
} from "./queue/port";
import { type EventFields, field, isValidId, type Scheme } from "./schemes/scheme";
import { tolerance, type VerifiedDelivery, verifyDelivery } from "./verify";

/** Time as the receiver sees it; injectable so tests can drive leases with a fake clock. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` after `ms`; returns a function that cancels it. */
  setTimeout(callback: () => void, ms: number): () => void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};

/** Options of {@link createReceiver}; every default is set in one place, below. */
export interface ReceiverOptions {
  readonly scheme: Scheme;
  /**
   * The signing secret, or several during a rotation (any one may match). May be missing
   * (`undefined` or `""`, or a list whose entries all are) when the receiver is created, e.g. while
   * `next build` loads the route with no secrets in its environment: creating it does not throw, and
   * every delivery is then answered 500 `invalid_secret` (the sender retries) and logged. Missing
   * entries of a list are left out (`[process.env.NEW, process.env.OLD]` once OLD is retired). The
   * secret is read once, at creation: an app started without it needs a restart with it set. A
   * secret that is present but malformed throws at once.
   */
  readonly secret: string | readonly (string | undefined)[] | undefined;
  /** Where event ids are remembered. Default: a `MemoryStore` (one process only). */
  readonly store?: IdempotencyStore;
  /** Replay window of verification, both directions. Default 300. */
  readonly toleranceSeconds?: number;
  /** Larger bodies are refused with 413 before any verification. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** How long a handler may hold an event before its signal aborts and others may take it. Default 30. */
  readonly leaseSeconds?: number;
  /** How long a processed id is remembered: cover the sender's retry window. Default 7 days. */
  readonly retentionSeconds?: number;
  /** Types with no handler: acknowledged with 200 (default), or refused with 501 so the sender retries. */
  readonly unhandled?: "acknowledge" | "reject";
  /** Where to find the event's id, type and data, overriding the scheme's convention. */
  readonly event?: (body: unknown, header: HeaderReader, delivery: VerifiedDelivery) => EventFields;
  /**
   * Called with every outcome, for logs and metrics: every delivery's, and in queue mode every
   * worker run's (with `outcome.job` set). Its errors are swallowed.
   */
  readonly onOutcome?: (outcome: Outcome) => void;
  /**
   * Where the receiver logs what needs attention: handler failures, a misconfigured receiver and
   * store or queue outages (`error`), refused deliveries and completions the store did not record
   * (`warn`), rate-limited per code; routine outcomes (`debug`, when the logger has it). Default:
   * the console (errors and warnings only; `console` itself means the same). Any pino-style logger
   * fits (`method(fields, message)`); `false` logs nothing. Lines carry the code, status, event id
   * and type and the error, never the body or the secret; the console logger prints an error's
   * stack, not its properties (an HTTP client's error may hold request headers).
   */
  readonly logger?: Logger | false | undefined;
  /** The clock. Default: the real one. */
  readonly clock?: Clock;
  /**
   * Queue mode: hand each verified, claimed event to this queue and answer 202 once it is stored;
   * a worker runs the handlers later through {@link Receiver.process}. Without it the handlers run
   * before the answer.
   */
  readonly queue?: EventQueue;
}

/** A delivery as an adapter hands it over. */
export interface Delivery {
  /** The HTTP method, when the adapter knows it: anything but POST is answered 405. */
  readonly method?: string | undefined;
  readonly headers: HeadersInput;
  /** The raw body. */
  readonly body: Payload;
}

export interface Receiver<M extends EventMap = EventMap> {
  /** Registers a handler for a type, `prefix.*` or `*`; all matching handlers run, in registration order. */
  on<P extends Pattern<M>>(pattern: P, handler: Handler<M, P>): Receiver<M>;
  /** Handles one delivery, framework-free. */
  receive(delivery: Delivery): Promise<HttpResponse>;
  /** Handles a Web `Request` (Next App Router, Hono, Bun, Deno, Workers). */
  fetch(request: Request): Promise<Response>;
  /**
   * Queue mode's worker side: runs the registered handlers for an event a queue hands back, at most
   * once to completion across runs and processes (a claim in the store under the event's key), with
   * the same context as in direct mode plus `ctx.job`. Resolves when the handlers completed now or
   * before; throws the handler's error (the queue retries, then dead-letters), `RetryLaterError`
   * when no handler ran and the queue should wait (`EventBusyError` while another run holds the
   * event; `store_unavailable`), or `UnrecoverableEventError` (the id was run with another body).
   */
  process(event: QueuedEvent, job: JobContext): Promise<ProcessResult>;
  /** The body limit, for adapters that read the stream themselves. */
  readonly maxBodyBytes: number;
}

const DEFAULTS = {
  maxBodyBytes: 1024 * 1024,
  leaseSeconds: 30,
  retentionSeconds: 7 * 24 * 60 * 60,
  unhandled: "acknowledge",
} as const;

const MAX_TYPE_LENGTH = 256;

function positive(name: string, value: number | undefined, fallback: number): number {
  const checked = value ?? fallback;
  if (!Number.isSafeInteger(checked) || checked <= 0) throw new RangeError(`${name} must be a whole number above 0`);
  return checked;
}

/** The seeds' and Stripe's envelope: `{ id, type, data }` in the body. */
function envelope(body: unknown): EventFields {
  return { id: field(body, "id"), type: field(body, "type"), data: field(body, "data") };
}

class LeaseExpired extends Error {
  override readonly name = "LeaseExpired";
}

/** Run keys live beside event keys (`scheme:id`); ids never hold a comma, so the two never meet. */
const RUN_SUFFIX = ",run";

/** How long a queue waits before retrying a run whose store did not answer. */
const STORE_RETRY_MS = 5000;

/**
 * Creates a receiver: verifies each delivery, runs its event's handlers exactly once across
 * retries and concurrent duplicates, and answers with the status that makes the sender do the
 * right thing.
 *
 * @example
 * const receiver = createReceiver<{ "invoice.paid": { amount: number } }>({ scheme: schemes.stripe, secret });
 * receiver.on("invoice.paid", async (event, { signal }) => {
 *   await credit(event.data.amount, { signal });
 * });
 * export const POST = (request: Request) => receiver.fetch(request);
 */
export function createReceiver<M extends EventMap = EventMap>(options: ReceiverOptions): Receiver<M> {
  const { scheme, onOutcome } = options;
  if (typeof scheme?.parse !== "function") throw new TypeError("scheme must be a scheme, e.g. schemes.stripe");
  // A missing secret is a deployment's state, not a bug in the code: answered on each delivery.
  // Missing entries of a rotation list (a retired variable) are left out; an empty list written in
  // the code is a bug, which keysFor reports.
  const given = options.secret;
  const secret = Array.isArray(given)
    ? (given as readonly (string | undefined)[]).filter((one): one is string => one !== undefined && one !== "")
    : (given as string | undefined);
  const missingSecret =
    secret === undefined || secret === "" || (secret.length === 0 && given?.length !== 0)
      ? new WebhookVerificationError(
          "invalid_secret",
          "the receiver has no signing secret: it was created with an empty secret (is its environment variable set where the app runs? Restart the app once it is: the secret is read when the receiver is created)",
        )
      : undefined;
  const keys: readonly Key[] = missingSecret ? [] : keysFor(scheme, secret as string | readonly string[], "verify");
  const toleranceSeconds = tolerance(options.toleranceSeconds);
  const maxBodyBytes = positive("maxBodyBytes", options.maxBodyBytes, DEFAULTS.maxBodyBytes);
  const leaseMs = positive("leaseSeconds", options.leaseSeconds, DEFAULTS.leaseSeconds) * 1000;
  const retentionMs = positive("retentionSeconds", options.retentionSeconds, DEFAULTS.retentionSeconds) * 1000;
  const unhandled = options.unhandled ?? DEFAULTS.unhandled;
  if (unhandled !== "acknowledge" && unhandled !== "reject")
    throw new TypeError('unhandled must be "acknowledge" or "reject"');
  const clock = options.clock ?? realClock;
  const now = () => clock.now();
  const log = createLog(options.logger, now);
  const store = options.store ?? new MemoryStore({ now });
  const readEvent = options.event ?? scheme.event ?? envelope;
  const queue = options.queue;
  if (queue !== undefined && typeof queue?.enqueue !== "function")
    throw new TypeError("queue must have an enqueue method, e.g. new MemoryQueue()");
  const registry = createRegistry();
  const decoder = new TextDecoder("utf-8", { fatal: true });

  /** Builds the outcome and tells `onOutcome`: for deliveries and for worker runs alike. */
  function report(code: OutcomeCode, started: number, fields?: Partial<Outcome>): Outcome {
    const outcome: Outcome = { code, status: statusOf(code), durationMs: performance.now() - started, ...fields };
    try {
      // A logging hook must never change what the sender is told, even an async one that rejects.
      Promise.resolve(onOutcome?.(outcome)).catch(() => {});
    } catch {}
    try {
      log(outcome);
    } catch {}
    return outcome;
  }

  /** A delivery's outcome, reported and answered. */
  function conclude(code: OutcomeCode, started: number, fields?: Partial<Outcome>): HttpResponse {
    return toResponse(report(code, started, fields));
  }

  async function handle(delivery: Delivery, started: number): Promise<HttpResponse> {
    let id: string | undefined;
    let type: string | undefined;
    const end = (code: OutcomeCode, fields?: Partial<Outcome>) => conclude(code, started, { id, type, ...fields });

    if (delivery.method !== undefined && delivery.method !== "POST") return end("method_not_allowed");
    let body: Body;
    try {
      body = rawBody(delivery.body);
    } catch (error) {
      return end("invalid_payload", { error });
    }
    if ((typeof body === "string" ? utf8(body).length : body.length) > maxBodyBytes) return end("payload_too_large");

    if (missingSecret) return end("invalid_secret", { error: missingSecret });
    const header = headerReader(delivery.headers);
    let verified: VerifiedDelivery;
    try {
      verified = await verifyDelivery(scheme, keys, header, body, toleranceSeconds, now);
    } catch (error) {
      if (error instanceof WebhookVerificationError) return end(error.code, { error });
      throw error;
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof body === "string" ? body : decoder.decode(body));
    } catch (error) {
      return end("invalid_body", { error });
    }
    let fields: EventFields;
    try {
      fields = readEvent(parsed, header, verified);
    } catch (error) {
      return end("invalid_event", { error });
    }
    if (typeof fields.id === "string" && isValidId(fields.id)) id = fields.id;
    if (typeof fields.type === "string" && fields.type !== "" && fields.type.length <= MAX_TYPE_LENGTH)
      type = fields.type;
    if (id === undefined || type === undefined) return end("invalid_event");

    const handlers = registry.match(type);
    if (handlers.length === 0) return end(unhandled === "acknowledge" ? "unhandled" : "unhandled_rejected");

    const key = `${scheme.name}:${id}`;
    let token: string;
    let fingerprint: string;
    // The store's lease runs from the claim request, so ours does too: time spent waiting for the
    // claim's answer is time the handler no longer has.
    const claimedAt = clock.now();
    try {
      const digest = backend().sha256(body);
      fingerprint = toBase64(digest instanceof Uint8Array ? digest : await digest);
      const claim = await store.claim({ key, fingerprint, leaseMs });
      if (claim.status === "completed") return end("duplicate");
      if (claim.status === "fingerprint_mismatch") return end("fingerprint_mismatch");
      if (claim.status === "in_progress") {
        return end("in_progress", { retryAfterSeconds: Math.max(1, Math.ceil(claim.retryAfterMs / 1000)) });
      }
      token = claim.token;
    } catch (error) {
      return end("store_unavailable", { error });
    }

    if (queue) {
      const queued: QueuedEvent = {
        key,
        id,
        type,
        data: fields.data,
        body: parsed,
        attempt: fields.attempt,
        delivery: verified,
        fingerprint,
        receivedAt: clock.now(),
      };
      try {
        await queue.enqueue(queued);
      } catch (error) {
        // Nothing is acknowledged that is not stored: the sender's retry gets the event again.
        await store.release({ key, token }).catch(() => false);
        return end("queue_unavailable", { error });
      }
      // Stored: from now on the queue owns the event, and the sender's duplicates are duplicates.
      // Not recorded (store down, lease lost) only means a duplicate would be handed off again,
      // which the queue (one job per key) and the worker's own claim absorb.
      const recorded = await store.complete({ key, token, retentionMs }).catch(() => false);
      return end("queued", { recorded });
    }

    const leaseLeftMs = claimedAt + leaseMs - clock.now();
    if (leaseLeftMs <= 0) {
      await store.release({ key, token }).catch(() => false);
      return end("handler_timeout", {
        error: new LeaseExpired(`the claim of ${type} ${id} took longer than its lease`),
      });
    }
    const event: WebhookEvent = { id, type, data: fields.data, body: parsed };
    const { failure, handlerMs } = await run(
      handlers,
      event,
      { attempt: fields.attempt, delivery: verified },
      leaseLeftMs,
    );

    if (failure) {
      // Give the event up so the sender's retry runs it again (after a timeout the lease has
      // ended anyway; releasing also covers a store clock that runs behind ours).
      await store.release({ key, token }).catch(() => false);
      return end(failure.error instanceof LeaseExpired ? "handler_timeout" : "handler_failed", {
        error: failure.error,
        handlerMs,
      });
    }
    // The handlers' effects happened: answer 200 even if the completion cannot be recorded, since a
    // 5xx would make the sender retry and run them again.
    try {
      return end("processed", { recorded: await store.complete({ key, token, retentionMs }), handlerMs });
    } catch (error) {
      return end("processed", { recorded: false, error, handlerMs });
    }
  }

  /**
   * Runs the handlers in order under a lease of `leaseLeftMs`: past it (or when `outer` aborts) the
   * handlers' signal aborts and the run ends with that reason, even if a handler ignores the signal.
   */
  async function run(
    handlers: readonly ((event: WebhookEvent, context: HandlerContext) => unknown)[],
    event: WebhookEvent,
    extra: Pick<HandlerContext, "attempt" | "delivery" | "job">,
    leaseLeftMs: number,
    outer?: AbortSignal,
  ): Promise<{ failure: { error: unknown } | undefined; handlerMs: number }> {
    const { id, type } = event;
    const controller = new AbortController();
    const context: HandlerContext = { id, type, signal: controller.signal, ...extra };
    const handlerStarted = performance.now();
    let cancelTimer = () => {};
    let stopFollowing = () => {};
    const expired = new Promise<{ error: unknown }>((resolve) => {
      cancelTimer = clock.setTimeout(() => {
        const error = new LeaseExpired(`the handler for ${type} ${id} ran past its ${leaseMs / 1000} s lease`);
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
    return { failure, handlerMs: performance.now() - handlerStarted };
  }

  async function process(queued: QueuedEvent, job: JobContext): Promise<ProcessResult> {
    const started = performance.now();
    const { key, id, type, fingerprint } = queued ?? {};
    if (
      typeof key !== "string" ||
      typeof id !== "string" ||
      typeof type !== "string" ||
      typeof fingerprint !== "string"
    )
      throw new TypeError("process() takes the event a receiver enqueued: { key, id, type, fingerprint, … }");
    const jobFields = { attempt: job.attempt, maxAttempts: job.maxAttempts };
    const end = (code: OutcomeCode, fields?: Partial<Outcome>) =>
      report(code, started, { id, type, job: jobFields, ...fields });
    const handlers = registry.match(type);
    if (handlers.length === 0) {
      // A worker deployed without the handler the receiving side had: with the reject policy the
      // event stays in the queue (retried, then dead-lettered, to re-drive once the worker has it).
      if (unhandled === "reject") {
        const error = new Error(`no handler for ${type} in this worker (unhandled: "reject")`);
        end("unhandled_rejected", { error });
        throw error;
      }
      end("unhandled");
      return "unhandled";
    }
    const runKey = key + RUN_SUFFIX;
    const claimedAt = clock.now();
    let claim: ClaimResult;
    try {
      claim = await store.claim({ key: runKey, fingerprint, leaseMs });
    } catch (cause) {
      // Not the handlers' failure: the queue waits for the store without spending an attempt.
      const message = `the idempotency store did not answer for ${type} ${id}`;
      const error = new RetryLaterError("store_unavailable", message, STORE_RETRY_MS, { cause });
      end("store_unavailable", { error });
      throw error;
    }
    if (claim.status === "completed") {
      end("duplicate");
      return "duplicate";
    }
    if (claim.status === "in_progress") {
      const { retryAfterMs } = claim;
      const error = new EventBusyError(`another run of ${type} ${id} holds it for ${retryAfterMs} ms`, retryAfterMs);
      end("in_progress", { error, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) });
      throw error;
    }
    if (claim.status === "fingerprint_mismatch") {
      const error = new UnrecoverableEventError(`${type} ${id} was run before with a different body: not run again`);
      end("fingerprint_mismatch", { error });
      throw error;
    }
    const { token } = claim;
    const leaseLeftMs = claimedAt + leaseMs - clock.now();
    if (leaseLeftMs <= 0) {
      // The store's lease is already over: another run may hold the event now, so start nothing.
      await store.release({ key: runKey, token }).catch(() => false);
      const error = new LeaseExpired(`the claim of ${type} ${id} took longer than its lease`);
      end("handler_timeout", { error });
      throw error;
    }
    const event: WebhookEvent = { id, type, data: queued.data, body: queued.body };
    const { failure, handlerMs } = await run(
      handlers,
      event,
      { attempt: queued.attempt, delivery: queued.delivery, job: jobFields },
      leaseLeftMs,
      job.signal,
    );
    if (failure) {
      await store.release({ key: runKey, token }).catch(() => false);
      const code = failure.error instanceof LeaseExpired ? "handler_timeout" : "handler_failed";
      end(code, { error: failure.error, handlerMs });
      throw failure.error;
    }
    // The effects happened: the run succeeded even if the store cannot record it.
    try {
      end("processed", { recorded: await store.complete({ key: runKey, token, retentionMs }), handlerMs });
    } catch (error) {
      end("processed", { recorded: false, error, handlerMs });
    }
    return "processed";
  }

  const receiver: Receiver<M> = {
    maxBodyBytes,
    on(pattern, handler) {
      registry.add(pattern, handler as (event: WebhookEvent, context: HandlerContext) => unknown);
      return receiver;
    },
    receive: (delivery) => handle(delivery, performance.now()),
    process,
    async fetch(request) {
      const started = performance.now();
      // A body stream that fails (the sender went away) is verified as the empty body it delivered.
      const body = request.method === "POST" ? await readLimited(request, maxBodyBytes).catch(() => "") : undefined;
      const response =
        request.method !== "POST"
          ? conclude("method_not_allowed", started)
          : body === undefined
            ? conclude("payload_too_large", started)
            : await handle({ headers: request.headers, body }, started);
      return new Response(response.body, { status: response.status, headers: response.headers });
    },
  };

  return receiver;
}

/** Reads a request body up to `limit` bytes; undefined (and the stream cancelled) past it. */
async function readLimited(request: Request, limit: number): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > limit) return undefined;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      // Not awaited: in Next.js's Edge sandbox the cancellation never settles.
      reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}
