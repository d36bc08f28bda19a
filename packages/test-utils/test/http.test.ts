// HTTP helpers: servers on 127.0.0.1 port 0 that close cleanly, and postDelivery's reading of answers.
import { createReceiver, MemoryStore, schemes } from "@hooks/core";
import { deadUrl, eventDelivery, postDelivery, serveAnswer, serveReceiver, startServer } from "@hooks/test-utils";
import { expect, test } from "vitest";

test("startServer listens on 127.0.0.1 port 0; close ends keep-alive connections too", async () => {
  const server = await startServer((request, response) => response.end(`${request.method} ${request.url}`));
  expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  const response = await fetch(`${server.url}/a?b=1`, { keepalive: true });
  expect(await response.text()).toBe("GET /a?b=1");
  await server.close();
  await expect(fetch(server.url)).rejects.toThrow();
});

test("serveReceiver hands raw bytes to the receiver and records each request; postDelivery reads code and headers", async () => {
  const receiver = createReceiver({ scheme: schemes.vastai, secret: "k", store: new MemoryStore() });
  const runs: string[] = [];
  receiver.on("resource.created", (event) => {
    runs.push(event.id);
  });
  const server = await serveReceiver(receiver);
  try {
    const d = await eventDelivery("evt_1", { secret: "k" });
    expect(await postDelivery(server.url, d, { path: "/webhooks" })).toMatchObject({
      status: 200,
      code: "processed",
      retryAfter: null,
    });
    expect((await postDelivery(server.url, d)).code).toBe("duplicate");
    expect(runs).toEqual(["evt_1"]);
    expect(server.requests.map(({ method, url }) => `${method} ${url}`)).toEqual(["POST /webhooks", "POST /"]);
    expect(server.requests[0]!.body.toString()).toBe(d.body);
    expect(server.requests[0]!.headers["x-vastai-signature"]).toBe(d.headers["x-vastai-signature"]);
  } finally {
    await server.close();
  }
});

test("serveAnswer answers every request with its status and code; a non-JSON answer's text is the code", async () => {
  const server = await serveAnswer(503, "store_unavailable");
  const plain = await startServer((_request, response) => response.writeHead(502).end("Bad gateway"));
  try {
    const answer = await postDelivery(server.url, { headers: { "x-a": "1" }, body: "hello" });
    expect([answer.status, answer.code, answer.text]).toEqual([
      503,
      "store_unavailable",
      '{"code":"store_unavailable"}',
    ]);
    expect(server.requests[0]!.body.toString()).toBe("hello");
    expect(await postDelivery(plain.url, { headers: {}, body: "" })).toMatchObject({
      status: 502,
      code: "Bad gateway",
    });
  } finally {
    await server.close();
    await plain.close();
  }
});

test("deadUrl points at a port nothing listens on", async () => {
  const url = await deadUrl("/webhooks");
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhooks$/);
  await expect(fetch(url)).rejects.toThrow();
});
