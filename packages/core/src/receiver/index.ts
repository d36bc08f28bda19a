// createReceiver: the options checked once, the handler registry, and the three ways in.
import {
  createRegistry,
  type EventMap,
  type Handler,
  type HandlerContext,
  type Pattern,
  type WebhookEvent,
} from "../dispatch";
import { invalidOption } from "../errors";
import type { HttpResponse } from "../http";
import type { JobContext, ProcessResult, QueuedEvent } from "../queue/port";
import { createDeliver, type Delivery } from "./deliver";
import { type ReceiverOptions, settingsOf } from "./options";
import { createProcess } from "./process";
import { readWebBody } from "./web-body";

export type { Delivery } from "./deliver";
export type { ReceiverOptions } from "./options";

export interface Receiver<M extends EventMap = EventMap> {
  /** Registers a handler for a type, `prefix.*` or `*`; all matching handlers run, in registration order. */
  on<P extends Pattern<M>>(pattern: P, handler: Handler<M, P>): Receiver<M>;
  /** Handles one delivery, framework-free. */
  receive(delivery: Delivery): Promise<HttpResponse>;
  /**
   * Handles a Web `Request` (Next App Router, Hono, Bun, Deno, Workers): reads the body up to
   * `maxBodyBytes` within `bodyTimeoutMs`, and answers with a `Response`.
   */
  fetch(request: Request): Promise<Response>;
  /**
   * Queue mode's worker side: runs the registered handlers for an event a queue hands back, at most
   * once to completion across runs and processes (a claim in the store under the event's key), with
   * the same context as in direct mode plus `ctx.job`. Resolves when the handlers completed now or
   * before; throws the handler's error (the queue retries, then dead-letters), a `HandlerTimeoutError`
   * past the lease, a `RetryLaterError` when no handler ran and the queue should wait (`EventBusyError`
   * while another run holds the event; `store_unavailable`), an `UnrecoverableEventError` (the id was
   * run with another body) or an `UnhandledEventError` (no handler, `unhandled: "reject"`).
   */
  process(event: QueuedEvent, job: JobContext): Promise<ProcessResult>;
  /** The body limit, for adapters that read the stream themselves (`@hooks/core/node`). */
  readonly maxBodyBytes: number;
  /** The body deadline, for adapters that read the stream themselves (`@hooks/core/node`). */
  readonly bodyTimeoutMs: number;
}

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
  const settings = settingsOf(options);
  const { maxBodyBytes, bodyTimeoutMs } = settings;
  const registry = createRegistry();
  const deliver = createDeliver(settings, registry);

  const receiver: Receiver<M> = {
    maxBodyBytes,
    bodyTimeoutMs,
    on(pattern, handler) {
      registry.add(pattern, handler as (event: WebhookEvent, context: HandlerContext) => unknown);
      return receiver;
    },
    receive: (delivery) => deliver(delivery, performance.now()),
    process: createProcess(settings, registry),
    async fetch(request) {
      const started = performance.now();
      if (typeof request?.headers?.get !== "function") invalidOption("request", "fetch takes a Web Request");
      const { method } = request;
      const body = method === "POST" ? readWebBody(request, maxBodyBytes, bodyTimeoutMs) : "";
      const response = await deliver({ method, headers: request.headers, body }, started);
      // A stalled body: close the connection with the answer (Node and Bun honour this header).
      const headers = response.status === 408 ? { ...response.headers, connection: "close" } : response.headers;
      return new Response(response.body, { status: response.status, headers });
    },
  };
  return receiver;
}
