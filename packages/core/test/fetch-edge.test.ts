// receiver.fetch, the Web entry point, on Node's own server through a node:http → Request bridge:
// the conformance table, then the edges of reading a Web body (web-body.ts) one by one.
import { describeConformance, serveInProcess } from "@hooks/test-utils/conformance";
import { conformanceReceiver } from "@hooks/test-utils/conformance-app";
import { fetchOnNode } from "@hooks/test-utils/fetch-on-node";
import { describe, expect, test } from "vitest";
import * as core from "../src/index";
import { createReceiver, type Outcome, schemes, sign } from "../src/index";

describeConformance("receiver.fetch on node:http (fetch-on-node)", () => {
  const { receiver, runs } = conformanceReceiver(core);
  return serveInProcess(
    fetchOnNode((request) => receiver.fetch(request)),
    runs,
  );
});

const SECRET = "fetch-edge-secret";

function setup(options: { maxBodyBytes?: number; bodyTimeoutMs?: number } = {}) {
  const outcomes: Outcome[] = [];
  const receiver = createReceiver({
    scheme: schemes.vastai,
    secret: SECRET,
    logger: false,
    onOutcome: (outcome) => outcomes.push(outcome),
    ...options,
  });
  receiver.on("*", () => {});
  return { receiver, outcomes };
}

async function signedRequest(body: BodyInit | null, extra: RequestInit & { headers?: Record<string, string> } = {}) {
  const payload = '{"id":"evt_1","type":"a.b","data":{}}';
  const headers = await sign({ scheme: schemes.vastai, secret: SECRET, payload });
  return new Request("http://localhost/webhooks", {
    method: "POST",
    ...extra,
    headers: { ...headers, ...extra.headers },
    body: body ?? payload,
    duplex: "half",
  } as RequestInit);
}

describe("receiver.fetch reading a Web body", () => {
  test("a stream that errors mid-body (the client went away): request_aborted, 400, never verified", async () => {
    const { receiver, outcomes } = setup();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"id":'));
        setTimeout(() => controller.error(new Error("socket hang up")), 10);
      },
    });
    const response = await receiver.fetch(await signedRequest(body));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: "request_aborted" });
    expect(outcomes.map(({ code }) => code)).toEqual(["request_aborted"]);
    const error = outcomes[0]?.error as { cause?: Error } | undefined;
    expect(error?.cause?.message).toBe("socket hang up");
  });

  test("a stream over maxBodyBytes is cancelled at the chunk that crosses the limit", async () => {
    const { receiver } = setup({ maxBodyBytes: 100 });
    let pulled = 0;
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(60));
      },
      cancel() {
        cancelled = true;
      },
    });
    const response = await receiver.fetch(await signedRequest(body));
    expect(response.status).toBe(413);
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThanOrEqual(3); // 60, 120 (over): stops; one may be queued ahead
  });

  test("a declared Content-Length over maxBodyBytes: 413 without reading the stream", async () => {
    const { receiver } = setup({ maxBodyBytes: 100 });
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull() {
        pulled++;
      },
    });
    const request = await signedRequest(body, { headers: { "content-length": "101" } });
    const response = await receiver.fetch(request);
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(1); // a stream pulls once by itself when created
  });

  test("a stream that never ends: 408 body_timeout after bodyTimeoutMs, and the stream cancelled", async () => {
    const { receiver } = setup({ bodyTimeoutMs: 100 });
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("{"));
      },
      cancel() {
        cancelled = true;
      },
    });
    const started = Date.now();
    const response = await receiver.fetch(await signedRequest(body));
    expect(response.status).toBe(408);
    expect(await response.json()).toEqual({ code: "body_timeout" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(cancelled).toBe(true);
  });

  test("a POST without a body is an empty body (judged by the core, here a bad signature)", async () => {
    const { receiver } = setup();
    const request = new Request("http://localhost/webhooks", {
      method: "POST",
      headers: await sign({ scheme: schemes.vastai, secret: SECRET, payload: "{}" }),
    });
    const response = await receiver.fetch(request);
    expect(response.status).toBe(401);
  });

  test("a body in several chunks is joined exactly", async () => {
    const { receiver, outcomes } = setup();
    const payload = '{"id":"evt_1","type":"a.b","data":{}}';
    const bytes = new TextEncoder().encode(payload);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
        controller.close();
      },
    });
    const response = await receiver.fetch(await signedRequest(body));
    expect(response.status).toBe(200);
    expect(outcomes.map(({ code }) => code)).toEqual(["processed"]);
  });
});
