// Reads a Web Request's body under the receiver's rules: a byte limit, a deadline, an abort is an abort.
import { concatBytes } from "../crypto/encoding";
import { RequestBodyError } from "../errors";

/**
 * The whole body of `request`, read from its stream. Rejects with a `RequestBodyError`:
 * `payload_too_large` when `Content-Length` declares more than `limit` (nothing read) or once more
 * than `limit` bytes arrived (the stream cancelled); `body_timeout` when it is not whole within
 * `timeoutMs`; `request_aborted` when the stream fails (the client went away), never an empty body.
 */
export async function readWebBody(request: Request, limit: number, timeoutMs: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > limit) throw tooLarge(limit);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  // Not awaited: in Next.js's Edge sandbox the cancellation never settles.
  const stop = () => reader.cancel().catch(() => {});
  let cancelTimer = () => {};
  let expired: RequestBodyError | undefined;
  const deadline = new Promise<never>((_, reject) => {
    // Real time, not the receiver's clock: the deadline is about the network, like Node's own timeouts.
    const timer = setTimeout(() => {
      expired = new RequestBodyError("body_timeout", `the body did not arrive whole within ${timeoutMs} ms`);
      reject(expired);
      // Cancelling settles the pending read as done: that is not the end of the body.
      stop();
    }, timeoutMs);
    cancelTimer = () => clearTimeout(timer);
  });
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await Promise.race([reader.read(), deadline]);
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
    cancelTimer();
  }
  return concatBytes(chunks, total);
}

export function tooLarge(limit: number): RequestBodyError {
  return new RequestBodyError("payload_too_large", `the body is larger than maxBodyBytes (${limit} bytes)`);
}
