// Raw HTTP/1.1 over node:net, for what fetch and node:http will not send: withheld or trickled
// bodies, broken chunk framing, lying content-length, a client that aborts mid-body.
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { sleep } from "./wait";

/** A response read off the wire. Header names are lower-cased; repeated headers are joined with ", ". */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body, de-chunked when it was sent chunked. */
  readonly body: string;
}

/** How a connection ended, from the client's side. */
export type RawClose =
  /** The server closed it (FIN). */
  | "end"
  /** The server reset it (ECONNRESET, EPIPE). */
  | "reset"
  /** Still open when the wait ended. */
  | "open";

/** An open client connection. */
export interface RawConnection {
  readonly socket: Socket;
  /** Writes bytes as they are; resolves once they are handed to the OS. Rejects if the connection is gone. */
  write(data: string | Uint8Array): Promise<void>;
  /** Writes `data` in pieces of `chunkBytes`, waiting `delayMs` before each: a slow sender. */
  trickle(data: string | Uint8Array, options: { readonly chunkBytes: number; readonly delayMs: number }): Promise<void>;
  /** Half-closes: nothing more is sent, the answer can still be read. */
  end(): void;
  /** Destroys the connection at once, as a client that gives up mid-request does. */
  abort(): void;
  /**
   * The first complete response (interim 1xx answers skipped), or undefined when the connection
   * closed, or `timeoutMs` passed, before one was complete.
   */
  response(options?: { readonly timeoutMs?: number }): Promise<RawResponse | undefined>;
  /** Resolves when the server ends or resets the connection, or with "open" after `timeoutMs`. */
  closed(options?: { readonly timeoutMs?: number }): Promise<RawClose>;
  /** Everything received so far, as latin1 text. */
  received(): string;
}

/** The request line and headers of a raw request, ending in the blank line. `host` is added unless given. */
export function requestHead(
  url: string | URL,
  {
    method = "POST",
    headers = {},
  }: { readonly method?: string; readonly headers?: Readonly<Record<string, string>> } = {},
): string {
  const target = new URL(url);
  const lines = [`${method} ${target.pathname}${target.search} HTTP/1.1`];
  if (!Object.keys(headers).some((name) => name.toLowerCase() === "host")) lines.push(`host: ${target.host}`);
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** One chunk of a chunked body: its size in hex, CRLF, the bytes, CRLF. */
export function chunk(data: string | Uint8Array): Buffer {
  const bytes = typeof data === "string" ? Buffer.from(data) : Buffer.from(data);
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from("\r\n")]);
}

/** The chunk that ends a chunked body (no trailers). */
export const LAST_CHUNK = "0\r\n\r\n";

/**
 * Opens a TCP connection to `url`'s host and port.
 *
 * @example
 * // A body that stops short of its content-length: the server must time out, not hang.
 * const connection = await connectRaw(url);
 * await connection.write(requestHead(url, { headers: { "content-length": "100" } }) + "{");
 * expect((await connection.response({ timeoutMs: 5_000 }))?.status).toBe(408);
 */
export async function connectRaw(url: string | URL): Promise<RawConnection> {
  const target = new URL(url);
  const socket = connect({ host: target.hostname, port: Number(target.port || 80) });
  await Promise.race([
    once(socket, "connect"),
    once(socket, "error").then(([error]) => {
      throw error;
    }),
  ]);
  let received = Buffer.alloc(0);
  let closedAs: RawClose | undefined;
  const changed = new Set<() => void>();
  const notify = () => {
    for (const listener of changed) listener();
  };
  socket.on("data", (data: Buffer) => {
    received = Buffer.concat([received, data]);
    notify();
  });
  socket.on("end", () => {
    closedAs ??= "end";
    notify();
  });
  socket.on("error", () => {
    closedAs ??= "reset";
    notify();
  });
  socket.on("close", () => {
    closedAs ??= "end";
    notify();
  });

  /** Resolves with `check()`'s first defined value, re-checked on every event, or undefined after `timeoutMs`. */
  const waitFor = <T>(check: () => T | undefined, timeoutMs: number) =>
    new Promise<T | undefined>((resolve) => {
      const done = (value: T | undefined) => {
        clearTimeout(timer);
        changed.delete(listener);
        resolve(value);
      };
      const listener = () => {
        const value = check();
        if (value !== undefined) done(value);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      changed.add(listener);
      listener();
    });

  const write = (data: string | Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      if (socket.destroyed || closedAs !== undefined) {
        reject(new Error(`the connection is closed (${closedAs ?? "destroyed"})`));
        return;
      }
      socket.write(data, (error) => (error ? reject(error) : resolve()));
    });

  return {
    socket,
    write,
    async trickle(data, { chunkBytes, delayMs }) {
      const bytes = typeof data === "string" ? Buffer.from(data) : Buffer.from(data);
      for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
        await sleep(delayMs);
        await write(bytes.subarray(offset, offset + chunkBytes));
      }
    },
    end: () => socket.end(),
    abort: () => socket.destroy(),
    response: ({ timeoutMs = 10_000 } = {}) =>
      waitFor(() => parseResponse(received, closedAs !== undefined), timeoutMs).then((parsed) => parsed ?? undefined),
    closed: ({ timeoutMs = 10_000 } = {}) => waitFor(() => closedAs, timeoutMs).then((how) => how ?? "open"),
    received: () => received.toString("latin1"),
  };
}

/**
 * Sends `data` on a new connection (pieces in order, `delayMs` apart), then reads the answer and how
 * the connection ended. With `end`, the client half-closes after sending.
 *
 * @example
 * // Broken chunk framing: the size line is not hex.
 * const { response } = await sendRaw(url, [requestHead(url, { headers: { "transfer-encoding": "chunked" } }), "zz\r\n{}\r\n"]);
 * expect(response?.status).toBe(400);
 */
export async function sendRaw(
  url: string | URL,
  data: string | Uint8Array | readonly (string | Uint8Array)[],
  { delayMs = 0, end = false, timeoutMs = 10_000 }: { delayMs?: number; end?: boolean; timeoutMs?: number } = {},
): Promise<{ response: RawResponse | undefined; closed: RawClose; received: string }> {
  const connection = await connectRaw(url);
  try {
    const pieces = typeof data === "string" || data instanceof Uint8Array ? [data] : data;
    for (const [i, piece] of pieces.entries()) {
      if (i > 0 && delayMs > 0) await sleep(delayMs);
      // The server may answer and close before everything is sent (a refused head, a size limit).
      const sent = await connection.write(piece).then(
        () => true,
        () => false,
      );
      if (!sent) break;
    }
    if (end) connection.end();
    const response = await connection.response({ timeoutMs });
    // After an answer, give the server a moment to close (or keep) the connection.
    const closed = await connection.closed({ timeoutMs: response ? 200 : timeoutMs });
    return { response, closed, received: connection.received() };
  } finally {
    connection.abort();
  }
}

/**
 * Parses the first final response in `bytes`; undefined while incomplete. A body without
 * content-length or chunking ends with the connection (`ended`).
 */
function parseResponse(bytes: Buffer, ended: boolean): RawResponse | null | undefined {
  let offset = 0;
  for (;;) {
    const headEnd = bytes.indexOf("\r\n\r\n", offset, "latin1");
    if (headEnd < 0) return ended ? null : undefined;
    const [statusLine = "", ...lines] = bytes.subarray(offset, headEnd).toString("latin1").split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
    if (!Number.isInteger(status)) return null;
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const bodyStart = headEnd + 4;
    if (status >= 100 && status < 200) {
      offset = bodyStart; // interim answer (100 Continue): the final one follows
      continue;
    }
    const rest = bytes.subarray(bodyStart);
    if (headers["transfer-encoding"]?.toLowerCase().includes("chunked")) {
      const body = dechunk(rest);
      return body === undefined ? (ended ? null : undefined) : { status, headers, body };
    }
    if (headers["content-length"] !== undefined) {
      const length = Number(headers["content-length"]);
      if (rest.length < length) return ended ? null : undefined;
      return { status, headers, body: rest.subarray(0, length).toString("utf8") };
    }
    if (status === 204 || status === 304) return { status, headers, body: "" };
    return ended ? { status, headers, body: rest.toString("utf8") } : undefined;
  }
}

/** A complete chunked body's content, or undefined while the last chunk has not arrived. */
function dechunk(bytes: Buffer): string | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = bytes.indexOf("\r\n", offset, "latin1");
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(bytes.subarray(offset, lineEnd).toString("latin1").split(";")[0]!, 16);
    if (!Number.isInteger(size)) return undefined;
    if (size === 0) return Buffer.concat(parts).toString("utf8");
    const start = lineEnd + 2;
    if (bytes.length < start + size + 2) return undefined;
    parts.push(bytes.subarray(start, start + size));
    offset = start + size + 2;
  }
}
