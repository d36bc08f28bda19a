// Express 4 and 5 middleware: reads the raw body, hands it to @hooks/core, writes the core's answer back.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Payload, Receiver } from "@hooks/core";

/** The request as Express hands it over: Node's request, plus what body parsers may have left on it. */
export type WebhookRequest = IncomingMessage & { readonly body?: unknown; readonly originalUrl?: string };

/** Express's `next`. */
export type Next = (error?: unknown) => void;

/** An Express request handler; mount it with `app.post(path, …)` or `router.post(path, …)`. */
export type WebhookMiddleware = (req: WebhookRequest, res: ServerResponse, next: Next) => void;

export interface WebhooksOptions {
  /** Where the one-time warning about a body parser that ran first goes. Default: `console`. */
  readonly logger?: { warn(message: string): void };
}

// What body parsers leave behind: body-parser 1.x (Express 4) sets `_body`; a parser's `verify`
// hook often keeps the bytes as `rawBody` (Firebase / Cloud Functions do this for you).
type ParsedRequest = WebhookRequest & { readonly _body?: unknown; readonly rawBody?: unknown };

/**
 * Receives webhooks in Express 4 and 5: reads the raw request body (at most `maxBodyBytes + 1`
 * bytes), lets the receiver verify and dispatch it, and answers with the receiver's status,
 * headers and body. Requests other than POST go on to the next route.
 *
 * @example
 * const receiver = createReceiver({ scheme: schemes.stripe, secret: process.env.STRIPE_WEBHOOK_SECRET! });
 * receiver.on("invoice.paid", async (event) => credit(event.data));
 * app.post("/webhooks/stripe", webhooks(receiver)); // before app.use(express.json())
 * app.use(express.json());
 */
export function webhooks(
  receiver: Pick<Receiver, "receive" | "maxBodyBytes">,
  options: WebhooksOptions = {},
): WebhookMiddleware {
  const logger = options.logger ?? console;
  let warned = false;

  /** The raw body: read from the stream, or, if something read it first, whatever it left. */
  function bodyOf(req: ParsedRequest): Payload | Promise<Payload> {
    // Not `req.complete`: that turns true once Node has received the body, read or not.
    const consumed = req.readableEnded || req.readableDidRead || req._body === true;
    if (!consumed) return readLimited(req, receiver.maxBodyBytes);
    // express.raw() ran, or a verify hook kept the bytes: those are the raw body.
    if (req.body instanceof Uint8Array) return req.body;
    if (req.rawBody instanceof Uint8Array) return req.rawBody;
    if (typeof req.body === "string") return req.body; // express.text(): exact for UTF-8 text without a BOM
    if (!warned) {
      warned = true;
      const route = `${req.method} ${(req.originalUrl ?? req.url ?? "").split("?")[0]}`;
      logger.warn(
        `@hooks/express: ${route}: the request body was read before the webhook middleware ran (req.body is ${kindOf(req.body)}), so no signature can be checked and every delivery is answered 500 invalid_payload. ` +
          "Register the webhook route before app.use(express.json()) and any other body parser, or exclude its path from them. (Logged once.)",
      );
    }
    // Never verify a re-serialised object: the core refuses anything but raw bytes with
    // 500 invalid_payload and a message naming the fix, so the sender retries once it is fixed.
    return req.body as Payload;
  }

  return (req, res, next) => {
    if (req.method !== "POST") return next();
    Promise.resolve(bodyOf(req))
      .then((body) => receiver.receive({ headers: req.headers, body }))
      .then(({ status, headers, body }) => {
        res.statusCode = status;
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
        res.end(body); // Node sets Content-Length from the bytes
      })
      .catch(next);
  };
}

/**
 * Reads the stream until it ends or holds more than `limit` bytes, and returns at most
 * `limit + 1` bytes: enough for the receiver to answer 413, without buffering a larger upload.
 */
function readLimited(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const settle = (error?: Error) => {
      req.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, Math.min(total, limit + 1)));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      // Over the limit: stop listening but leave the stream flowing, so Node drops the rest of the
      // upload as it arrives (nothing buffered) while the 413 goes out on a connection still usable.
      if (total > limit) settle();
    };
    const onEnd = () => settle();
    const onError = (error: Error) => settle(error);
    const onClose = () => settle(new Error("the client closed the connection before the whole body arrived"));
    req.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
    req.resume(); // in case earlier middleware paused it
  });
}

/** How the warning names what it found in `req.body`. */
function kindOf(value: unknown): string {
  if (value === undefined || value === null) return `${value}`;
  return Array.isArray(value) ? "an array" : `a${typeof value === "object" ? "n" : ""} ${typeof value}`;
}
