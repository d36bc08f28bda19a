// A tiny node:http → Web Request bridge, so that `receiver.fetch` (the Web entry point) is tested on
// Node's own server: the body is a ReadableStream fed by the socket (with backpressure), a client
// that resets makes the stream error, and the Response is written back.
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * A Web `Request` for a Node request: its body streams from `req` (`duplex: "half"`) and errors,
 * and `signal` aborts, when the client goes away before the body ended. Cancelling the body drops
 * the rest of the upload as it arrives.
 */
export function toWebRequest(req: IncomingMessage): Request {
  const aborter = new AbortController();
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const method = req.method ?? "GET";
  let body: ReadableStream<Uint8Array> | null = null;
  if (method !== "GET" && method !== "HEAD") {
    let settled = false;
    body = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          req.pause();
          req.on("data", (data: Buffer) => {
            if (settled) return;
            controller.enqueue(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
            if ((controller.desiredSize ?? 1) <= 0) req.pause();
          });
          req.on("end", () => {
            if (settled) return;
            settled = true;
            controller.close();
          });
          const fail = (error: Error) => {
            if (settled) return;
            settled = true;
            controller.error(error);
            aborter.abort(error);
          };
          req.on("error", fail);
          req.on("close", () => {
            if (!req.complete) fail(new Error("the client closed the connection before the body ended"));
          });
        },
        pull() {
          req.resume();
        },
        cancel() {
          settled = true;
          req.resume(); // flowing with no one keeping the data: the rest is dropped as it arrives
        },
      },
      { highWaterMark: 1 },
    );
  }
  const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
  return new Request(url, { method, headers, body, duplex: "half", signal: aborter.signal } as RequestInit);
}

/**
 * Writes a Web `Response` to a Node response. When the request's body was not received whole (the
 * answer came first: too large, too slow), the connection is closed after the answer.
 */
export async function writeWebResponse(response: Response, res: ServerResponse, req?: IncomingMessage): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer());
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    res.setHeader(name, value);
  });
  if (req !== undefined && !req.complete) res.setHeader("connection", "close");
  res.end(body);
}

/**
 * A `node:http` request listener for a fetch handler, e.g. `createServer(fetchOnNode((request) => receiver.fetch(request)))`.
 * A handler that throws is answered 500.
 */
export function fetchOnNode(
  handler: (request: Request) => Response | Promise<Response>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    let response: Response;
    try {
      response = await handler(toWebRequest(req));
    } catch (error) {
      console.error("fetchOnNode: the handler threw:", error);
      response = Response.json({ code: "internal_error" }, { status: 500 });
    }
    await writeWebResponse(response, res, req);
  };
}
