// Reads a Node request's raw body: a byte limit, a deadline, an abort that is an abort, and a body
// that a parser consumed first named as such.
import { concatBytes } from "../crypto/encoding";
import { invalidOption, RequestBodyError, WebhookVerificationError } from "../errors";
import type { Payload } from "../payload";
import { tooLarge } from "../receiver/web-body";
import type { NodeLimits, NodeRequest } from "./types";

/** Options of {@link readNodeBody}. */
export interface ReadNodeBodyOptions extends NodeLimits {
  /**
   * What to tell the developer when a body parser read the body first: the fix in their framework
   * (e.g. "Register the webhook route before app.use(express.json())").
   */
  readonly bodyParserHint?: string | undefined;
}

type ParsedRequest = NodeRequest & { readonly _body?: unknown; readonly originalUrl?: string };

const ignore = () => {};

/**
 * The raw body of a Node request, as bytes. Rejects with a `RequestBodyError`: `payload_too_large`
 * when `Content-Length` declares more than `maxBodyBytes` (nothing read) or more arrives (reading
 * stops at the chunk that crossed it); `body_timeout` when the body is not whole within
 * `bodyTimeoutMs`; `request_aborted` when the client goes away first (a reset, bad chunk framing).
 * A body that a parser already consumed resolves to the raw bytes or text it left
 * (`express.raw()`, a `verify` hook's `rawBody`, `express.text()`), or rejects with
 * `invalid_payload` and a message naming the fix: a parsed object cannot be verified.
 *
 * The caller answers; when the body was not read whole (`req.complete` is false), the answer
 * should close the connection (`writeNodeResponse` does).
 */
export function readNodeBody(req: NodeRequest, options: ReadNodeBodyOptions): Promise<Payload> {
  const { maxBodyBytes: limit, bodyTimeoutMs } = options;
  checkLimits(options);
  const parsed = req as ParsedRequest;
  // Not `req.complete`: that turns true once Node has received the body, read or not.
  if (req.readableEnded || req.readableDidRead || parsed._body === true) {
    if (req.body instanceof Uint8Array) return Promise.resolve(req.body);
    if (req.rawBody instanceof Uint8Array) return Promise.resolve(req.rawBody);
    if (typeof req.body === "string") return Promise.resolve(req.body); // exact for UTF-8 text without a BOM
    // Express keeps the path a router was mounted at in originalUrl; url has only the rest.
    const path = (parsed.originalUrl ?? req.url ?? "").split("?")[0];
    const kept =
      req.rawBody === undefined ? "" : ` and req.rawBody is ${kindOf(req.rawBody)}, not the bytes (keep a Buffer)`;
    const message =
      `${req.method ?? "POST"} ${path}: the request body was read before the webhook handler ran (req.body is ${kindOf(req.body)}${kept}), and a parsed body cannot be verified. ` +
      (options.bodyParserHint ?? "Mount the webhook route before any body parser, or exclude its path from them.");
    return Promise.reject(new WebhookVerificationError("invalid_payload", message));
  }
  // Gone before the edge ran (e.g. while earlier middleware awaited): no event will tell us.
  if (req.destroyed)
    return Promise.reject(new RequestBodyError("request_aborted", "the client went away before the body was read"));
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) return Promise.reject(tooLarge(limit));

  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const timer = setTimeout(
      () => settle(new RequestBodyError("body_timeout", `the body did not arrive whole within ${bodyTimeoutMs} ms`)),
      bodyTimeoutMs,
    );
    function settle(error?: Error): void {
      clearTimeout(timer);
      req.removeListener("data", onData);
      req.removeListener("end", onEnd);
      req.removeListener("error", onError);
      req.removeListener("close", onClose);
      if (error) reject(error);
      else resolve(concatBytes(chunks, total));
    }
    const onData = (chunk: Uint8Array | string) => {
      const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
      total += bytes.length;
      // Over the limit: stop here. The stream keeps flowing with no one listening, so the rest of
      // the upload is dropped as it arrives (nothing buffered) until the answer closes the connection.
      if (total > limit) return settle(tooLarge(limit));
      chunks.push(bytes);
    };
    const onEnd = () => settle();
    const onError = (cause: unknown) =>
      settle(new RequestBodyError("request_aborted", "the request failed before its body ended", { cause }));
    const onClose = () =>
      settle(new RequestBodyError("request_aborted", "the client closed the connection before the whole body arrived"));
    // Kept after settling: a late reset must never become an unhandled 'error' event.
    req.on("error", ignore);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
    req.resume?.(); // in case earlier middleware paused it
  });
}

/** How the message names what it found in `req.body`. */
function kindOf(value: unknown): string {
  if (value === undefined || value === null) return `${value}`;
  return Array.isArray(value) ? "an array" : `a${typeof value === "object" ? "n" : ""} ${typeof value}`;
}

/** The limits must be what a receiver has: a missing one would mean no limit, or no time at all. */
export function checkLimits({ maxBodyBytes, bodyTimeoutMs }: NodeLimits): void {
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0)
    invalidOption("maxBodyBytes", "maxBodyBytes must be a whole number above 0 (a receiver's maxBodyBytes)");
  if (!Number.isSafeInteger(bodyTimeoutMs) || bodyTimeoutMs <= 0 || bodyTimeoutMs > 2_147_483_647)
    invalidOption("bodyTimeoutMs", "bodyTimeoutMs must be a whole number of milliseconds (a receiver's bodyTimeoutMs)");
}
