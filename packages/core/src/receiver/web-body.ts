// Reads a Web Request's body under the receiver's rules: a byte limit, a deadline, an abort is an abort.
import { concatBytes } from "../crypto/encoding";
import { RequestBodyError, WebhookVerificationError } from "../errors";

/**
 * The whole body of `request`, read from its stream. Rejects with a `RequestBodyError`:
 * `payload_too_large` when `Content-Length` declares more than `limit` (nothing read) or once more
 * than `limit` bytes arrived (the stream cancelled); `body_timeout` when it is not whole within
 * `timeoutMs`; `request_aborted` when the stream fails (the client went away), never an empty body.
 * A body something already read (`request.json()` in a middleware) is `invalid_payload`.
 */
export async function readWebBody(request: Request, limit: number, timeoutMs: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > limit) throw tooLarge(limit);
  if (request.bodyUsed || request.body?.locked) {
    throw new WebhookVerificationError(
      "invalid_payload",
      "the request's body was read before the receiver got it (a middleware called request.json() or text()?): pass the untouched Request, or request.clone() taken before reading it",
    );
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  // Not awaited: in Next.js's Edge sandbox the cancellation never settles.
  const stop = () => reader.cancel().catch(() => {});
  let expired: RequestBodyError | undefined;
  // The pending read's way out when the deadline passes. One promise per read, not a race against
  // one long-lived deadline promise, which would keep a reaction per chunk until the body ends.
  let interrupt: ((error: RequestBodyError) => void) | undefined;
  // Real time, not the receiver's clock: the deadline is about the network, like Node's own timeouts.
  const timer = setTimeout(() => {
    expired = new RequestBodyError("body_timeout", `the body did not arrive whole within ${timeoutMs} ms`);
    interrupt?.(expired);
    // Cancelling settles the pending read as done: that is not the end of the body.
    stop();
  }, timeoutMs);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await new Promise<ReadableStreamReadResult<Uint8Array>>((resolve, reject) => {
          interrupt = reject;
          reader.read().then(resolve, reject);
        });
      } catch (error) {
        if (error instanceof RequestBodyError) throw error;
        throw new RequestBodyError("request_aborted", "the request body stream failed before it ended", {
          cause: error,
        });
      }
      if (expired) throw expired;
      if (next.done) break;
      total += next.value.length;
      if (total > limit) {
        stop();
        throw tooLarge(limit);
      }
      chunks.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return concatBytes(chunks, total);
}

export function tooLarge(limit: number): RequestBodyError {
  return new RequestBodyError("payload_too_large", `the body is larger than maxBodyBytes (${limit} bytes)`);
}
