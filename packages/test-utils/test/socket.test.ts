// The raw-socket client against node:http: what it sends is what the server sees, and it reads
// answers and closes as they happen.
import type { IncomingMessage } from "node:http";
import {
  chunk,
  connectRaw,
  LAST_CHUNK,
  readBody,
  requestHead,
  sendRaw,
  startServer,
  type TestServer,
  until,
} from "@hooks/test-utils";
import { afterEach, expect, test } from "vitest";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** An echo server: answers 200 with the body it read, and remembers requests that were aborted. */
async function echo() {
  const aborted: IncomingMessage[] = [];
  server = await startServer(async (request, response) => {
    request.on("aborted", () => aborted.push(request));
    try {
      const body = await readBody(request);
      response.writeHead(200, { "content-type": "text/plain", "x-seen": request.headers["x-seen"] ?? "" });
      response.end(`got ${body.length}: ${body}`);
    } catch {
      // the client went away mid-body
    }
  });
  return { url: `${server.url}/hooks`, aborted };
}

test("a whole request with content-length gets the server's answer, parsed", async () => {
  const { url } = await echo();
  const head = requestHead(url, { headers: { "content-length": "5", "x-seen": "yes", connection: "close" } });
  expect(head).toBe(
    `POST /hooks HTTP/1.1\r\nhost: ${new URL(url).host}\r\ncontent-length: 5\r\nx-seen: yes\r\nconnection: close\r\n\r\n`,
  );
  const { response, closed } = await sendRaw(url, [head, "hel", "lo"], { delayMs: 10 });
  expect(response).toMatchObject({ status: 200, body: "got 5: hello" });
  expect(response?.headers["x-seen"]).toBe("yes");
  expect(closed).toBe("end");
});

test("a chunked body framed by chunk() and LAST_CHUNK arrives whole; a chunked answer is de-chunked", async () => {
  server = await startServer(async (request, response) => {
    const body = await readBody(request);
    response.write("a");
    response.end(`b${body}`);
  });
  const url = server.url;
  const { response } = await sendRaw(url, [
    requestHead(url, { headers: { "transfer-encoding": "chunked" } }),
    chunk("he"),
    chunk(new TextEncoder().encode("llo")),
    LAST_CHUNK,
  ]);
  expect(response).toMatchObject({ status: 200, body: "abhello" });
  expect(response?.headers["transfer-encoding"]).toBe("chunked");
});

test("broken chunk framing gets node's 400 and a closed connection", async () => {
  const { url } = await echo();
  const { response, closed } = await sendRaw(url, [
    requestHead(url, { headers: { "transfer-encoding": "chunked" } }),
    "zz\r\nhello\r\n",
  ]);
  expect(response?.status).toBe(400);
  expect(closed).toBe("end");
});

test("a withheld body: no answer until the client gives up; the server sees the abort", async () => {
  const { url, aborted } = await echo();
  const connection = await connectRaw(url);
  await connection.write(`${requestHead(url, { headers: { "content-length": "100" } })}{"id":`);
  expect(await connection.response({ timeoutMs: 200 })).toBeUndefined();
  expect(await connection.closed({ timeoutMs: 10 })).toBe("open");
  connection.abort();
  await until(() => aborted.length === 1, { timeoutMs: 5_000, message: "the server to see the abort" });
});

test("trickle sends a body in pieces, delayMs apart", async () => {
  const { url } = await echo();
  const connection = await connectRaw(url);
  const started = performance.now();
  await connection.write(requestHead(url, { headers: { "content-length": "6" } }));
  await connection.trickle("abcdef", { chunkBytes: 2, delayMs: 30 });
  expect(performance.now() - started).toBeGreaterThanOrEqual(85);
  expect((await connection.response())?.body).toBe("got 6: abcdef");
  expect(connection.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  connection.abort();
});

test("the server closing the connection first is seen as the end, and writes after it fail", async () => {
  server = await startServer((request) => request.socket.destroy());
  const connection = await connectRaw(server.url);
  await connection.write(requestHead(server.url, { headers: { "content-length": "0" } }));
  expect(await connection.response()).toBeUndefined();
  expect(["end", "reset"]).toContain(await connection.closed());
  await expect(connection.write("more")).rejects.toThrow(/closed/);
});
