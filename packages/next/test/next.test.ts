// @hooks/next in real Next.js apps, on Next 16 (test/fixture) and Next 15 (test/next15, the same sources
// copied in): built with the webhook secret unset (test/global-setup.ts), `next start` on 127.0.0.1,
// signed deliveries. The conformance table runs on the same builds (conformance.test.ts).
import { randomUUID } from "node:crypto";
import { Agent, request } from "node:http";
import { createReceiver, schemes } from "@hooks/core";
import { eventDelivery, signedDelivery, tampered } from "@hooks/test-utils/deliveries";
import { postDelivery } from "@hooks/test-utils/http";
import type { NextApiHandler } from "next";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { toApiHandler, toRouteHandler } from "../src/index";
import { MAX_BODY_BYTES } from "./fixture/lib/deliveries";
import { environment, type NextApp, startApp, VERSIONS } from "./next-app";

const SECRET = "fixture-secret-for-next";
const now = () => Math.floor(Date.now() / 1000);

/** The app under test: one `describe` per Next version starts its own. */
let current: Pick<NextApp, "base" | "log" | "stop"> = { base: "", log: "", stop: async () => {} };

/** A signed delivery of one event, as the sender would post it. */
function delivery(type = "test.created", options: { id?: string; timestamp?: number } = {}) {
  const { id = `evt_${randomUUID()}`, timestamp } = options;
  return eventDelivery(id, { secret: SECRET, type, data: { name: "gpu-1" }, created: 1_700_000_000, timestamp });
}

interface Answer {
  readonly status: number;
  readonly code: string;
  readonly message?: string;
}

/**
 * POSTs to the app and gives the status with the whole JSON body (so `toEqual` also checks that it
 * holds nothing else), or a code that says the answer was not the core's (e.g. Next's error page).
 */
async function post(path: string, d: { body: string; headers: Record<string, string> }): Promise<Answer> {
  const { status, text } = await postDelivery(current.base, d, { path });
  try {
    return { status, ...(JSON.parse(text) as { code: string; message?: string }) };
  } catch {
    return { status, code: `not the core's answer: ${text.slice(0, 60)}` };
  }
}

/** How often the route's handler ran for `id`, as the route itself reports (its own module state). */
async function runs(path: string, id: string): Promise<number> {
  const counts = (await (await fetch(new URL(path, current.base))).json()) as Record<string, number>;
  return counts[id] ?? 0;
}

interface ChunkedAnswer extends Answer {
  /** Whether the client had sent its whole body when the answer came. */
  readonly finished: boolean;
}

/**
 * Posts `totalBytes` in 16 KiB chunks without a content-length (so nothing can refuse it up front),
 * respecting backpressure, and resolves with the first answer, sent or not.
 */
function postChunked(path: string, headers: Record<string, string>, totalBytes: number): Promise<ChunkedAnswer> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(16 * 1024, "x");
    let sent = 0;
    let answered = false;
    // A keep-alive connection of its own, as senders use: asking for `connection: close` would make
    // Node close it right after the answer, under the unread body, and the reset can beat the 413.
    const agent = new Agent({ keepAlive: true });
    const req = request(new URL(path, current.base), { method: "POST", headers, agent });
    const fail = (error: Error) => {
      clearTimeout(noAnswer);
      agent.destroy();
      reject(error);
    };
    const noAnswer = setTimeout(() => fail(new Error(`no answer within 15 s; ${sent} bytes sent`)), 15_000);
    req.on("error", (error) => {
      // Once answered, the server may close the connection under the rest of the body: expected.
      if (!answered) fail(error);
    });
    req.on("response", async (res) => {
      answered = true;
      clearTimeout(noAnswer);
      const finished = req.writableEnded;
      let text = "";
      for await (const part of res) text += part;
      agent.destroy();
      const json = JSON.parse(text) as { code: string };
      resolve({ status: res.statusCode ?? 0, ...json, finished });
    });
    const write = () => {
      while (!answered && sent < totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", write);
      }
      if (!answered) req.end();
    };
    write();
  });
}

describe.each(VERSIONS)("Next $major", ({ dir }) => {
  /** What a delivery got from the app started without its secret. */
  let unconfigured: Answer | undefined;

  beforeAll(async () => {
    const bare = await startApp(dir, environment());
    current = bare;
    try {
      unconfigured = await post("/node", await delivery()).catch((error) => ({ status: 0, code: String(error) }));
    } finally {
      await bare.stop();
    }
    current = await startApp(dir, environment(SECRET));
  });

  afterAll(async () => {
    await current.stop();
  });

  test("built without the secret; started without it, a delivery gets 500 invalid_secret naming the fix", () => {
    expect(unconfigured).toMatchObject({
      status: 500,
      code: "invalid_secret",
      message: expect.stringMatching(/no signing secret/),
    });
  });

  const routes = [
    { name: "App Router, Node runtime", path: "/node", answersMidBody: true },
    // Next's Edge sandbox (next start) buffers the request body and answers only after it ended.
    { name: "App Router, Edge runtime", path: "/edge", answersMidBody: false },
    { name: "Pages Router API route", path: "/api/pages", answersMidBody: true },
  ];

  describe.each(routes)("$name", ({ path, answersMidBody }) => {
    test("a valid delivery runs the handler and gets 200", async () => {
      const d = await delivery();
      expect(await post(path, d)).toEqual({ status: 200, code: "processed" });
      expect(await runs(path, d.id)).toBe(1);
    });

    test("a duplicate gets 200 and does not run the handler again", async () => {
      const d = await delivery();
      expect(await post(path, d)).toEqual({ status: 200, code: "processed" });
      expect(await post(path, d)).toEqual({ status: 200, code: "duplicate" });
      expect(await runs(path, d.id)).toBe(1);
    });

    test("a tampered body gets 401 and runs nothing", async () => {
      const d = await delivery();
      const rewritten = tampered(d, (body) => body.replace("gpu-1", "gpu-2"));
      expect(await post(path, rewritten)).toEqual({ status: 401, code: "signature_mismatch" });
      expect(await runs(path, d.id)).toBe(0);
    });

    test("stale and future timestamps get 401 and run nothing", async () => {
      const stale = await delivery("test.created", { timestamp: now() - 600 });
      const future = await delivery("test.created", { timestamp: now() + 600 });
      expect(await post(path, stale)).toEqual({ status: 401, code: "timestamp_too_old" });
      expect(await post(path, future)).toEqual({ status: 401, code: "timestamp_in_future" });
      expect(await runs(path, stale.id)).toBe(0);
      expect(await runs(path, future.id)).toBe(0);
    });

    test("missing signature headers get 400 and run nothing", async () => {
      const d = await delivery();
      expect(await post(path, { body: d.body, headers: { "content-type": "application/json" } })).toEqual({
        status: 400,
        code: "missing_header",
      });
      expect(await runs(path, d.id)).toBe(0);
    });

    test("a handler that throws gets 500; the retry runs it again and gets 200", async () => {
      const d = await delivery("test.fail_once");
      expect(await post(path, d)).toEqual({ status: 500, code: "handler_failed" });
      expect(await post(path, d)).toEqual({ status: 200, code: "processed" });
      expect(await runs(path, d.id)).toBe(2);
    });

    test("a body over maxBodyBytes gets 413 and runs nothing", async () => {
      const d = await delivery();
      const padded = JSON.stringify({ ...JSON.parse(d.body), padding: "x".repeat(MAX_BODY_BYTES) });
      expect(await post(path, await signedDelivery(padded, { secret: SECRET }))).toEqual({
        status: 413,
        code: "payload_too_large",
      });
      expect(await runs(path, d.id)).toBe(0);
    });

    test("a chunked body over maxBodyBytes (no content-length) gets 413", async () => {
      const { headers } = await delivery();
      const answer = await postChunked(path, headers, 4 * MAX_BODY_BYTES);
      expect(answer).toMatchObject({ status: 413, code: "payload_too_large" });
    });

    test.runIf(answersMidBody)("the 413 comes while the sender is still sending", async () => {
      const { headers } = await delivery();
      // Far more than the loopback buffers hold: if the server read on, this would finish first.
      const answer = await postChunked(path, headers, 64 * 1024 * 1024);
      expect(answer).toMatchObject({ status: 413, code: "payload_too_large", finished: false });
    });

    test("20 concurrent identical deliveries run the handler once", async () => {
      const d = await delivery("test.slow");
      const answers = await Promise.all(Array.from({ length: 20 }, () => post(path, d)));
      expect(await runs(path, d.id)).toBe(1);
      expect(answers.filter((answer) => answer.code === "processed")).toHaveLength(1);
      for (const answer of answers) expect([200, 409]).toContain(answer.status);
    });
  });

  describe("Pages Router API route and methods", () => {
    test("a method other than POST gets the core's 405 with Allow: POST", async () => {
      const response = await fetch(`${current.base}/api/pages`, { method: "PUT", body: "{}" });
      expect([response.status, response.headers.get("allow"), (await response.json()).code]).toEqual([
        405,
        "POST",
        "method_not_allowed",
      ]);
    });
  });

  describe("Pages Router API route with Next's body parser left on", () => {
    test("deliveries get 500 invalid_payload naming Next's fix; the receiver logs it once, not per delivery", async () => {
      const fix = "export const config = { api: { bodyParser: false } };";
      for (let i = 0; i < 2; i++) {
        const answer = await post("/api/parsed", await delivery());
        expect(answer).toMatchObject({ status: 500, code: "invalid_payload" });
        expect(answer.message).toMatch(/^POST \/api\/parsed: the request body was read before the webhook handler ran/);
        expect(answer.message).toContain(fix);
      }
      await expect.poll(() => current.log.includes(fix)).toBe(true);
      expect(current.log).toMatch(/hooks: the receiver is misconfigured \(invalid_payload\)/);
      expect(current.log.split(fix)).toHaveLength(2);
    });
  });
});

describe("types", () => {
  test("the handlers fit Next's handler types", () => {
    const receiver = createReceiver<{ "test.created": { name: string } }>({ scheme: schemes.vastai, secret: SECRET });
    const api: NextApiHandler = toApiHandler(receiver);
    const route: (request: Request) => Promise<Response> = toRouteHandler(receiver);
    expect([typeof api, typeof route]).toEqual(["function", "function"]);
  });
});
