// HTTP for tests: post a delivery with fetch, and real node:http servers on 127.0.0.1 port 0.
import { once } from "node:events";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpResponse, Receiver } from "@hooks/core";
import { freePort } from "./redis.mjs";

/** What a receiver answered to a POST, with the core's outcome `code` read from its JSON body. */
export interface PostAnswer {
  readonly status: number;
  /** The body's `code` when it is JSON with one, else the body's text. */
  readonly code: string;
  /** The body's `message`, when it is JSON with one. */
  readonly message?: string;
  /** The body as text. */
  readonly text: string;
  readonly headers: Headers;
  readonly retryAfter: string | null;
}

export interface PostOptions {
  /** A path resolved against `url` (`new URL(path, url)`), e.g. `/api/webhooks`. */
  readonly path?: string;
  /** Headers sent besides the delivery's own; they win. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * POSTs a delivery (`{ headers, body }`, e.g. from `eventDelivery`) with fetch.
 *
 * @example
 * const { status, code } = await postDelivery(server.url, await eventDelivery("evt_1", { secret }), { path: "/webhooks" });
 */
export async function postDelivery(
  url: string | URL,
  delivery: { readonly headers: Readonly<Record<string, string>>; readonly body: string | Uint8Array },
  options: PostOptions = {},
): Promise<PostAnswer> {
  const target = options.path === undefined ? url : new URL(options.path, url);
  const response = await fetch(target, {
    method: "POST",
    headers: { ...delivery.headers, ...options.headers },
    body: delivery.body as BodyInit,
  });
  return readAnswer(response);
}

/** Reads a receiver's answer, to a POST or to any other request (a GET that must get 405). */
export async function readAnswer(response: Response): Promise<PostAnswer> {
  const text = await response.text();
  let code = text;
  let message: string | undefined;
  try {
    const json = JSON.parse(text) as { code?: unknown; message?: unknown };
    code = typeof json.code === "string" ? json.code : "";
    if (typeof json.message === "string") message = json.message;
  } catch {
    // Not JSON (a framework's own error page): the text stands for the code.
  }
  return {
    status: response.status,
    code,
    ...(message !== undefined ? { message } : {}),
    text,
    headers: response.headers,
    retryAfter: response.headers.get("retry-after"),
  };
}

/** A server started by {@link startServer}. */
export interface TestServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Closes the server and every connection it still holds (keep-alive ones included). */
  close(): Promise<void>;
}

/**
 * Starts a node:http server on 127.0.0.1, port 0, with `handler` (a RequestListener, or an
 * Express app); resolves once it listens.
 *
 * @example
 * const server = await startServer(app);
 * try { await postDelivery(`${server.url}/webhooks`, d); } finally { await server.close(); }
 */
export async function startServer(handler?: RequestListener): Promise<TestServer> {
  const server = createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** A request as it reached a server: its headers and raw body. */
export interface ReceivedRequest {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Reads a request's whole body. */
export async function readBody(request: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** A server that records the requests it got, oldest first. */
export interface RecordingServer extends TestServer {
  readonly requests: ReceivedRequest[];
}

/**
 * A server that reads each request's whole body, records the request, and writes back what `answer`
 * gives for it (a receiver's answer, or a fixed one). A request that fails (a client that aborted
 * mid-body) drops its connection instead of becoming an unhandled rejection that fails whichever
 * test is running.
 */
async function serveRecording(
  answer: (request: ReceivedRequest) => Promise<HttpResponse> | HttpResponse,
): Promise<RecordingServer> {
  const requests: ReceivedRequest[] = [];
  const respond = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    const received = { method: request.method, url: request.url, headers: request.headers, body };
    requests.push(received);
    const { status, headers, body: answerBody } = await answer(received);
    response.writeHead(status, headers).end(answerBody);
  };
  const started = await startServer((request, response) => {
    respond(request, response).catch(() => response.destroy());
  });
  return { ...started, requests };
}

/**
 * A receiver behind a bare node:http server (no adapter): every request's method, headers and raw
 * body go to `receiver.receive`, its answer is written back, and each request is recorded.
 */
export function serveReceiver(receiver: Pick<Receiver, "receive">): Promise<RecordingServer> {
  return serveRecording(({ method, headers, body }) => receiver.receive({ method, headers, body }));
}

/** A server that records each request and answers every one with `status` and `{ "code": code }`. */
export function serveAnswer(status: number, code: string): Promise<RecordingServer> {
  return serveRecording(() => ({
    status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code }),
  }));
}

/** An http://127.0.0.1 URL nothing listens on (a port that was free a moment ago). */
export async function deadUrl(path = ""): Promise<string> {
  return `http://127.0.0.1:${await freePort()}${path}`;
}
