// One behaviour suite over Fastify 5 and Fastify 4: real apps on 127.0.0.1, real signed deliveries.
// First the conformance table every entry point answers alike, then what is Fastify's own.
import { request as httpRequest } from "node:http";
import { Writable } from "node:stream";
import * as core from "@hooks/core";
import { createReceiver, MemoryStore, type Outcome, schemes } from "@hooks/core";
import { describeConformance } from "@hooks/test-utils/conformance";
import { conformanceReceiver } from "@hooks/test-utils/conformance-app";
import { eventBody, signedDelivery } from "@hooks/test-utils/deliveries";
import { postDelivery } from "@hooks/test-utils/http";
import { sleep } from "@hooks/test-utils/wait";
import fastify5 from "fastify";
import fastify4 from "fastify4";
import { afterEach, describe, expect, test } from "vitest";
import { type WebhooksOptions, webhooks } from "../src/index";

const SECRET = "fastify-adapter-test-secret";
const MAX_BODY_BYTES = 4096;

interface Reply {
  code(status: number): Reply;
  send(payload: unknown): Reply;
}

/** What the suite uses of a Fastify app, the same in 4 and 5. */
interface TestApp {
  register(plugin: typeof webhooks, options: WebhooksOptions & { prefix?: string }): PromiseLike<unknown>;
  post(path: string, handler: (request: { body: unknown }) => Promise<unknown>): unknown;
  addHook(name: "onRequest", hook: (request: { headers: Record<string, unknown> }) => Promise<void>): unknown;
  addHook(
    name: "onSend",
    hook: (
      request: unknown,
      reply: { header(name: string, value: string): unknown },
      payload: unknown,
    ) => Promise<unknown>,
  ): unknown;
  setErrorHandler(handler: (error: Error, request: unknown, reply: Reply) => Reply): unknown;
  listen(options: { port: number; host: string }): Promise<string>;
  close(): PromiseLike<unknown>;
}

interface AppOptions {
  /** Fastify's own logger (pino) writing to this stream. */
  readonly logTo?: Writable;
}

const variants: { name: string; create: (options: AppOptions) => TestApp }[] = [
  {
    name: "Fastify 5",
    create: ({ logTo }) => fastify5({ logger: logTo ? { level: "info", stream: logTo } : false }),
  },
  {
    name: "Fastify 4",
    // Here `fastify` resolves to v5's types, so v4's instance type cannot meet the plugin's; a
    // Fastify 4 user's types resolve `fastify` to v4 and need no cast.
    create: ({ logTo }) => fastify4({ logger: logTo ? { level: "info", stream: logTo } : false }) as unknown as TestApp,
  },
];

/** A stream for Fastify's logger (pino) that keeps what it writes. */
function logCollector(): { lines: string[]; logTo: Writable } {
  const lines: string[] = [];
  const logTo = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { lines, logTo };
}

// The plugin with nothing else in the app; Fastify's body parsing never sees the webhook route's
// body, so there is no parser-consumed row here.
for (const { name, create } of variants) {
  describeConformance(`${name}: webhooks plugin`, async () => {
    const { receiver, runs } = conformanceReceiver(core);
    const app = create({});
    await app.register(webhooks, { receiver, path: "/webhooks" });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    return {
      url: `${base}/webhooks`,
      runs,
      rss: () => process.memoryUsage().rss,
      close: async () => void (await app.close()),
    };
  });
}

type Events = { "resource.created": { name: string }; "resource.flaky": { name: string } };

function setup(maxBodyBytes = MAX_BODY_BYTES) {
  const calls: string[] = [];
  const outcomes: Outcome[] = [];
  let flakyFailures = 1;
  const receiver = createReceiver<Events>({
    scheme: schemes.vastai,
    secret: SECRET,
    store: new MemoryStore(),
    maxBodyBytes,
    onOutcome: (outcome) => outcomes.push(outcome),
  });
  receiver
    .on("resource.created", async (event) => {
      calls.push(event.id);
      // Long enough that concurrent copies of a delivery overlap while it runs.
      await sleep(50);
    })
    .on("resource.flaky", (event) => {
      calls.push(event.id);
      if (flakyFailures-- > 0) throw new Error("downstream unavailable");
    });
  return { receiver, calls, outcomes };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const envelope = (id: string, type = "resource.created") =>
  eventBody(id, { type, data: { name: "gpu-1" }, created: nowSeconds() });

/** The headers a sender posts `body` with: JSON, signed now (or at `timestamp`). */
async function signed(body: string, timestamp?: number): Promise<Record<string, string>> {
  const json = { "content-type": "application/json" };
  return (await signedDelivery(body, { secret: SECRET, timestamp, headers: json })).headers;
}

interface Answer {
  status: number;
  body: { code?: string } & Record<string, unknown>;
}

/**
 * POSTs `body` and gives the status with the whole JSON body, not only its `code`: the tests compare
 * it exactly, answers of the app's own routes and error handler included.
 */
async function post(url: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const { status, text } = await postDelivery(url, { body, headers });
  return { status, body: JSON.parse(text) as Answer["body"] };
}

/**
 * Starts a chunked upload that never ends: 64 KiB are written at once (16 times the route's
 * limit) and the request is never finished, so only a server that stops reading at its limit
 * can answer. Nothing more is written after that: a client that kept writing into a connection the
 * server closes races the server's RST (EPIPE before the answer is read), which is TCP, not the
 * adapter. Resolves with the answer, which therefore comes before the body is complete.
 */
function postEndless(
  url: string,
  headers: Record<string, string>,
): Promise<Answer & { sentBytes: number; connection: string | undefined; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const req = httpRequest(url, { method: "POST", headers: { ...headers, "transfer-encoding": "chunked" } });
    const timeout = setTimeout(() => {
      req.destroy();
      reject(new Error("no answer while the upload was open: the server waits for the end of the body"));
    }, 10_000);
    req.write(chunk);
    req.on("response", (res) => {
      clearTimeout(timeout);
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("end", () => {
        const ended = req.writableEnded;
        req.destroy();
        const body = JSON.parse(Buffer.concat(parts).toString());
        resolve({
          status: res.statusCode ?? 0,
          body,
          sentBytes: chunk.length,
          connection: res.headers.connection,
          ended,
        });
      });
    });
    req.on("error", (error) => {
      clearTimeout(timeout);
      reject(error);
    });
  });
}

describe.each(variants)("$name", ({ create }) => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  /** Starts an app with the plugin at `path` (under `prefix`) and a plain JSON route at /json. */
  async function start(
    options: {
      path?: string;
      prefix?: string;
      maxBodyBytes?: number;
      configure?: (app: TestApp) => void;
    } & AppOptions = {},
  ) {
    const state = setup(options.maxBodyBytes);
    const app = create(options);
    apps.push(app);
    options.configure?.(app);
    app.post("/json", async (request) => ({ body: request.body, isBuffer: Buffer.isBuffer(request.body) }));
    const { prefix } = options;
    await app.register(webhooks, {
      receiver: state.receiver,
      path: options.path ?? "/webhooks",
      ...(prefix === undefined ? {} : { prefix }),
    });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    return { ...state, base, url: `${base}${prefix ?? ""}${options.path ?? "/webhooks"}` };
  }

  test("stale and future timestamps get 401", async () => {
    const { url, calls } = await start();
    const body = envelope("evt_time");
    expect(await post(url, body, await signed(body, nowSeconds() - 3600))).toEqual({
      status: 401,
      body: { code: "timestamp_too_old" },
    });
    expect(await post(url, body, await signed(body, nowSeconds() + 3600))).toEqual({
      status: 401,
      body: { code: "timestamp_in_future" },
    });
    expect(calls).toEqual([]);
  });

  test("missing signature headers get 400, and so does a POST without a body", async () => {
    const { url, calls } = await start();
    const body = envelope("evt_headers");
    const { "x-vastai-signature": _, ...withoutSignature } = await signed(body);
    expect(await post(url, body, withoutSignature)).toEqual({ status: 400, body: { code: "missing_header" } });
    expect(await post(url, body, { "content-type": "application/json" })).toEqual({
      status: 400,
      body: { code: "missing_header" },
    });
    // Fastify leaves the body undefined here: it must reach the core as an empty body, not as a misuse.
    const empty = await fetch(url, { method: "POST" });
    expect({ status: empty.status, body: await empty.json() }).toEqual({
      status: 400,
      body: { code: "missing_header" },
    });
    expect(calls).toEqual([]);
  });

  test("a handler that throws gets 500, and the retry runs it again and gets 200", async () => {
    const { url, calls } = await start();
    const body = envelope("evt_flaky", "resource.flaky");
    expect(await post(url, body, await signed(body))).toEqual({ status: 500, body: { code: "handler_failed" } });
    expect(await post(url, body, await signed(body))).toEqual({ status: 200, body: { code: "processed" } });
    expect(calls).toEqual(["evt_flaky", "evt_flaky"]);
  });

  test("a body of exactly maxBodyBytes is received; one byte more gets the core's 413", async () => {
    const { url, calls, outcomes } = await start();
    const base = envelope("evt_limit");
    const exact = base.replace("}", `${" ".repeat(MAX_BODY_BYTES - Buffer.byteLength(base))}}`);
    expect(Buffer.byteLength(exact)).toBe(MAX_BODY_BYTES);
    expect(await post(url, exact, await signed(exact))).toEqual({ status: 200, body: { code: "processed" } });
    const over = `${exact} `;
    expect(await post(url, over, await signed(over))).toEqual({ status: 413, body: { code: "payload_too_large" } });
    expect(calls).toEqual(["evt_limit"]);
    expect(outcomes.map(({ code }) => code)).toEqual(["processed", "payload_too_large"]);
  });

  test("a declared body 4× the limit gets the core's 413 unread, heard by onOutcome, and the server goes on", async () => {
    const { url, calls, outcomes } = await start();
    const huge = envelope("evt_huge").replace("}", `${" ".repeat(4 * MAX_BODY_BYTES)}}`);
    expect(await post(url, huge, await signed(huge))).toEqual({ status: 413, body: { code: "payload_too_large" } });
    expect(outcomes.map(({ code }) => code)).toEqual(["payload_too_large"]);
    expect(outcomes[0]?.error).toMatchObject({ code: "payload_too_large" });

    const body = envelope("evt_after_huge");
    expect(await post(url, body, await signed(body))).toEqual({ status: 200, body: { code: "processed" } });
    expect(calls).toEqual(["evt_after_huge"]);
  });

  test("a body that never ends is refused with the core's 413 before it ends, and the server goes on", async () => {
    const { url, calls } = await start();
    const answer = await postEndless(url, await signed("{}"));
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 413, body: { code: "payload_too_large" } });
    // The client may still be sending: the rest is dropped as it arrives (so it reads this 413, not a
    // reset) for at most bodyTimeoutMs, then the connection is closed.
    expect(answer.connection).not.toBe("close");
    // Answered with the upload still open and 64 KiB sent: refused near maxBodyBytes (4 KiB), not at
    // Fastify's app-wide default of 1 MiB (which would wait here for more bytes until the timeout).
    expect(answer.ended).toBe(false);
    expect(answer.sentBytes).toBeLessThan(1024 * 1024);

    const body = envelope("evt_after_endless");
    expect(await post(url, body, await signed(body))).toEqual({ status: 200, body: { code: "processed" } });
    expect(calls).toEqual(["evt_after_endless"]);
  });

  test("the app's other routes keep JSON parsing while the webhook route gets the raw bytes", async () => {
    const { base, url, calls } = await start();
    const json = await post(`${base}/json`, '{ "a" : [1, 2] }', { "content-type": "application/json" });
    expect(json).toEqual({ status: 200, body: { body: { a: [1, 2] }, isBuffer: false } });
    // Whitespace and escapes a JSON round trip would change: only the bytes as sent verify.
    const body = `{ "id" : "evt_raw",\n  "type": "resource.created", "data": {"name": "gpu-\\u00e9 ✓"}, "created": 1 }`;
    expect(await post(url, body, await signed(body))).toEqual({ status: 200, body: { code: "processed" } });
    // Any content type, not only JSON, reaches the core as bytes.
    const text = envelope("evt_text");
    const headers = { ...(await signed(text)), "content-type": "text/plain; charset=utf-8" };
    expect(await post(url, text, headers)).toEqual({ status: 200, body: { code: "processed" } });
    expect(calls).toEqual(["evt_raw", "evt_text"]);
    // And the webhook route's limit stays there: the JSON route still takes a larger body.
    const large = JSON.stringify({ pad: "x".repeat(4 * MAX_BODY_BYTES) });
    expect((await post(`${base}/json`, large, { "content-type": "application/json" })).status).toBe(200);
  });

  test("the route honours the prefix it is registered with", async () => {
    const { base, url, calls } = await start({ prefix: "/api" });
    expect(url).toBe(`${base}/api/webhooks`);
    const body = envelope("evt_prefix");
    expect(await post(url, body, await signed(body))).toEqual({ status: 200, body: { code: "processed" } });
    expect((await post(`${base}/webhooks`, body, await signed(body))).status).toBe(404);
    expect(calls).toEqual(["evt_prefix"]);
  });

  test("the route's limit is the receiver's maxBodyBytes, even above Fastify's app-wide bodyLimit", async () => {
    const { url, calls } = await start({ maxBodyBytes: 2 * 1024 * 1024 });
    const big = envelope("evt_big").replace("}", `${" ".repeat(1536 * 1024)}}`);
    expect(await post(url, big, await signed(big))).toEqual({ status: 200, body: { code: "processed" } });
    expect(calls).toEqual(["evt_big"]);
  });

  test("the app's hooks apply to the webhook route's answers (the plugin replies through Fastify)", async () => {
    const { url } = await start({
      configure(app) {
        app.addHook("onSend", async (_request, reply, payload) => {
          reply.header("x-app-hook", "ran");
          return payload;
        });
      },
    });
    const body = envelope("evt_hooked");
    const response = await fetch(url, { method: "POST", headers: await signed(body), body });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-app-hook")).toBe("ran");
    const get = await fetch(url);
    expect({ status: get.status, allow: get.headers.get("allow"), hook: get.headers.get("x-app-hook") }).toEqual({
      status: 405,
      allow: "POST",
      hook: "ran",
    });
  });

  test("errors the core never saw (here an app hook's) go to the app's error handler", async () => {
    const { url, calls } = await start({
      configure(app) {
        app.setErrorHandler((error, _request, reply) =>
          reply.code(418).send({ handledBy: "app", message: error.message }),
        );
        app.addHook("onRequest", async (request) => {
          if (request.headers["x-block"] !== undefined) throw new Error("blocked by the app");
        });
      },
    });
    const body = envelope("evt_blocked");
    expect(await post(url, body, { ...(await signed(body)), "x-block": "1" })).toEqual({
      status: 418,
      body: { handledBy: "app", message: "blocked by the app" },
    });
    expect(calls).toEqual([]);
  });

  test("two senders: the plugin registers twice in one app, each with its own receiver and path", async () => {
    const other = setup();
    const { base, url, calls } = await start({
      configure: (app) => void app.register(webhooks, { receiver: other.receiver, path: "/webhooks/other" }),
    });
    const body = envelope("evt_two");
    expect((await post(url, body, await signed(body))).body.code).toBe("processed");
    expect((await post(`${base}/webhooks/other`, body, await signed(body))).body.code).toBe("processed");
    expect(calls).toEqual(["evt_two"]);
    expect(other.calls).toEqual(["evt_two"]);
  });
});

describe("the app's own logger as the receiver's", () => {
  test("logger: app.log (pino) gets handler failures as errors and forgeries as warnings, as JSON lines with no secret", async () => {
    const { lines, logTo } = logCollector();
    const app = fastify5({ logger: { level: "info", stream: logTo } });
    try {
      // Typed as a user writes it: Fastify's pino logger fits the receiver's `logger` as it is.
      const receiver = createReceiver<Events>({ scheme: schemes.vastai, secret: SECRET, logger: app.log });
      receiver.on("resource.flaky", () => {
        throw new Error("downstream unavailable");
      });
      await app.register(webhooks, { receiver, path: "/webhooks" });
      const url = `${await app.listen({ port: 0, host: "127.0.0.1" })}/webhooks`;
      const failing = envelope("evt_logged", "resource.flaky");
      expect((await post(url, failing, await signed(failing))).status).toBe(500);
      const forged = envelope("evt_forged");
      const headers = { ...(await signed(forged)), "x-vastai-signature": "ab".repeat(32) };
      expect((await post(url, forged, headers)).status).toBe(401);
      const huge = envelope("evt_huge").replace("}", `${" ".repeat(1024 * 1024)}}`);
      expect((await post(url, huge, await signed(huge))).status).toBe(413);
      const logged = lines
        .join("")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown> & { level: number; msg: string });
      const ours = logged.filter((line) => typeof line.code === "string");
      expect(ours).toEqual([
        expect.objectContaining({
          level: 50,
          code: "handler_failed",
          status: 500,
          id: "evt_logged",
          type: "resource.flaky",
          err: expect.objectContaining({ message: "downstream unavailable", stack: expect.any(String) }),
          msg: expect.stringContaining("a handler for resource.flaky evt_logged threw"),
        }),
        expect.objectContaining({ level: 40, code: "signature_mismatch", status: 401 }),
        expect.objectContaining({ level: 40, code: "payload_too_large", status: 413 }),
      ]);
      expect(lines.join("")).not.toContain(SECRET);
    } finally {
      await app.close();
    }
  });
});
