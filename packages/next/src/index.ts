// Next.js adapter: App Router route handlers (Node and Edge) and Pages Router API routes, on @hooks/core.
import type { HeadersInput, Payload, Receiver } from "@hooks/core";

/**
 * An App Router route handler. Web `Request` in, `Response` out, so it runs on the Node and the
 * Edge runtimes alike; the receiver reads the body itself and stops at `maxBodyBytes`.
 *
 * @example
 * // app/api/webhooks/route.ts
 * export const POST = toRouteHandler(receiver);
 */
export function toRouteHandler(receiver: Pick<Receiver, "fetch">): (request: Request) => Promise<Response> {
  return (request) => receiver.fetch(request);
}

/** The parts of Next's `NextApiRequest` (a Node `IncomingMessage`) the Pages adapter reads. */
export interface ApiRequest {
  readonly headers: HeadersInput;
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  /** Set by Next's body parser; undefined when the route exports `config.api.bodyParser: false`. */
  readonly body?: unknown;
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  removeListener(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  removeListener(event: "end" | "close", listener: () => void): unknown;
  removeListener(event: "error", listener: (error: Error) => void): unknown;
}

/** The parts of Next's `NextApiResponse` (a Node `ServerResponse`) the Pages adapter writes. */
export interface ApiResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

/**
 * A Pages Router API route handler. The route's file must also export
 * `config = { api: { bodyParser: false } }`: Next parses the body before the handler runs, and the
 * signature covers the raw bytes (left on, every delivery gets 500 `invalid_payload`).
 *
 * @example
 * // pages/api/webhooks.ts
 * export const config = { api: { bodyParser: false } };
 * export default toApiHandler(receiver);
 */
export function toApiHandler(receiver: Pick<Receiver, "receive" | "maxBodyBytes">) {
  let warned = false;
  return async (req: ApiRequest, res: ApiResponse): Promise<void> => {
    let body: unknown = req.body;
    // The core answers anything but POST with 405; there is no body worth reading then.
    if (req.method !== undefined && req.method !== "POST") body = "";
    else if (body === undefined) body = await readLimited(req, receiver.maxBodyBytes);
    else if (!warned) {
      // The stream is already consumed. The core refuses what Next parsed with 500 invalid_payload
      // (the sender retries until this is fixed); this line says where the fix goes in Next.
      warned = true;
      console.error(
        `@hooks/next: ${req.url?.split("?")[0] ?? "an API route"}: Next's body parser read the webhook's body first, and a parsed body cannot be verified. ` +
          "In that API route's file, add: export const config = { api: { bodyParser: false } }; (Logged once.)",
      );
    }
    const answer = await receiver.receive({ method: req.method, headers: req.headers, body: body as Payload });
    res.statusCode = answer.status;
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.end(answer.body);
  };
}

/** Reads the raw body until it ends or holds more than `limit` bytes; returns at most `limit + 1` bytes. */
function readLimited(req: ApiRequest, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const settle = (error?: Error) => {
      req.removeListener("data", onData);
      req.removeListener("end", onEnd);
      req.removeListener("close", onClose);
      req.removeListener("error", settle);
      if (error) return reject(error);
      const body = new Uint8Array(Math.min(total, limit + 1));
      let offset = 0;
      for (const chunk of chunks) {
        if (offset === body.length) break;
        body.set(chunk.subarray(0, body.length - offset), offset);
        offset += Math.min(chunk.length, body.length - offset);
      }
      resolve(body);
    };
    const onData = (chunk: Uint8Array) => {
      chunks.push(chunk);
      total += chunk.length;
      // Over the limit: stop listening but leave the stream flowing, so Node drops the rest as it
      // arrives (nothing buffered) and the sender, still sending, can read the 413 on its connection.
      if (total > limit) settle();
    };
    const onEnd = () => settle();
    // Not a body to verify: without this, a cut-off upload would reach the core as a forgery.
    const onClose = () => settle(new Error("the client closed the connection before the whole body arrived"));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("close", onClose);
    req.on("error", settle);
  });
}
