// Express 4 and 5 middleware: @hooks/core/node reads the raw body under the receiver's limits and writes its answer.
import type { IncomingMessage, ServerResponse } from "node:http";
import { checkNodeReceiver, handleNodeRequest, type NodeReceiver } from "@hooks/core/node";

/** The request as Express hands it over: Node's request, plus what body parsers may have left on it. */
export type WebhookRequest = IncomingMessage & { readonly body?: unknown };

/** Express's `next`. */
export type Next = (error?: unknown) => void;

/** An Express request handler; mount it with `app.post(path, …)`, `app.all(path, …)` or a router. */
export type WebhookMiddleware = (req: WebhookRequest, res: ServerResponse, next: Next) => void;

export interface WebhooksOptions {
  /** What the `invalid_payload` answer and log say when a body parser read the body first. Default: the Express fix. */
  readonly bodyParserHint?: string;
}

const EXPRESS_HINT =
  'Register the webhook route before app.use(express.json()) and any other body parser, exclude its path from them, or parse it with express.raw({ type: "*/*" }).';

/**
 * Receives webhooks in Express 4 and 5: reads the raw request body (at most `maxBodyBytes`, within
 * `bodyTimeoutMs`), lets the receiver verify and dispatch it, and writes the receiver's status,
 * headers and body. A request other than POST that reaches it is answered 405 with `Allow: POST`.
 * A body that `express.raw()`, `express.text()` or a parser's `verify` hook (`req.rawBody`) kept is
 * used as it is; one that `express.json()` parsed first is answered 500 `invalid_payload`, naming
 * the fix (logged by the receiver). Throws an `InvalidOptionError` (code `invalid_option`, `option`
 * `"receiver"`) at once, when it is called, unless `receiver` is one from `createReceiver`.
 *
 * @example
 * const receiver = createReceiver({ scheme: schemes.stripe, secret: process.env.STRIPE_WEBHOOK_SECRET });
 * receiver.on("invoice.paid", async (event) => credit(event.data));
 * app.post("/webhooks/stripe", webhooks(receiver)); // before app.use(express.json())
 * app.use(express.json());
 */
export function webhooks(receiver: NodeReceiver, options: WebhooksOptions = {}): WebhookMiddleware {
  checkNodeReceiver(receiver); // when the app is set up, not as a 500 on every delivery
  const settings = { bodyParserHint: options.bodyParserHint ?? EXPRESS_HINT };
  return (req, res, next) => {
    handleNodeRequest(receiver, req, res, settings).catch(next);
  };
}
