// @hooks/core/node: the conformance table on node:http (toNodeHandler), and the edges of
// readNodeBody, writeNodeResponse and handleNodeRequest one by one.
import type { IncomingMessage, ServerResponse } from "node:http";
import { PassThrough } from "node:stream";
import { describeConformance, PARSED_SUFFIX, serveInProcess } from "@hooks/test-utils/conformance";
import { conformanceReceiver } from "@hooks/test-utils/conformance-app";
import { afterEach, describe, expect, test, vi } from "vitest";
import * as core from "../src/index";
import { isHooksError } from "../src/index";
import {
  handleNodeRequest,
  type NodeRequest,
  type NodeResponse,
  readNodeBody,
  toNodeHandler,
  writeNodeResponse,
} from "../src/node";

const HINT = "Register the webhook route before the test's JSON parser.";

describeConformance("node:http toNodeHandler", async () => {
  const { receiver, runs } = conformanceReceiver(core);
  const handler = toNodeHandler(receiver);
  const behindParser = toNodeHandler(receiver, { bodyParserHint: HINT });
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== `/webhooks${PARSED_SUFFIX}`) return void handler(req, res);
    // A body parser of the usual kind: it reads the stream and leaves the parsed object.
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => {
      (req as IncomingMessage & { body?: unknown }).body = JSON.parse(Buffer.concat(parts).toString());
      void behindParser(req, res);
    });
  };
  return serveInProcess(listener, runs, { parserConsumed: true });
});

/** A request stream as Node hands it over: a PassThrough with the request's fields. */
function fakeRequest(
  fields: Partial<Record<"method" | "url" | "body" | "rawBody" | "_body", unknown>> & {
    headers?: Record<string, string>;
  } = {},
) {
  return Object.assign(new PassThrough(), {
    method: "POST",
    url: "/hooks?x=1",
    headers: {},
    ...fields,
  }) as PassThrough & NodeRequest & { complete?: boolean };
}

/** A response that records what is written to it. */
function fakeResponse(state: Partial<Pick<NodeResponse, "headersSent" | "writableEnded" | "destroyed">> = {}) {
  const headers: Record<string, string> = {};
  const res = {
    statusCode: 200,
    ...state,
    body: undefined as string | undefined,
    ended: false,
    headers,
    setHeader: (name: string, value: string) => {
      headers[name] = value;
    },
    end(body?: string) {
      res.ended = true;
      res.body = body;
    },
  };
  return res;
}

const limits = { maxBodyBytes: 10, bodyTimeoutMs: 200 };

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    () => {
      throw new Error("resolved, expected a rejection");
    },
    (error: Error) => error,
  );
}

describe("readNodeBody", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test("joins the chunks of a body up to exactly maxBodyBytes", async () => {
    const req = fakeRequest();
    const body = readNodeBody(req, limits);
    req.write("hello");
    req.end(Buffer.from("world"));
    expect(new TextDecoder().decode((await body) as Uint8Array)).toBe("helloworld");
    expect(req.listenerCount("data")).toBe(0);
  });

  test("an empty body is empty bytes", async () => {
    const req = fakeRequest();
    const body = readNodeBody(req, limits);
    req.end();
    expect(await body).toEqual(new Uint8Array(0));
  });

  test("string chunks (an encoding set by earlier middleware) count as UTF-8 bytes", async () => {
    const req = fakeRequest();
    req.setEncoding("utf8");
    const body = readNodeBody(req, limits);
    req.end(Buffer.from("ééééé")); // 10 bytes, 5 characters
    expect(new TextDecoder().decode((await body) as Uint8Array)).toBe("ééééé");
    const over = fakeRequest();
    over.setEncoding("utf8");
    const refused = readNodeBody(over, limits);
    over.end(Buffer.from("éééééé"));
    expect((await rejection(refused)).code).toBe("payload_too_large");
  });

  test("one byte over the limit: payload_too_large, listeners gone, the stream left flowing to drop the rest", async () => {
    const req = fakeRequest();
    const body = readNodeBody(req, limits);
    req.write(Buffer.alloc(11));
    const error = await rejection(body);
    expect(isHooksError(error, "payload_too_large")).toBe(true);
    expect(req.listenerCount("data")).toBe(0);
    expect(req.listenerCount("end")).toBe(0);
    expect(req.readableFlowing).toBe(true);
    req.end(Buffer.alloc(1000)); // dropped as it arrives
  });

  test("a declared Content-Length over the limit is refused before anything is read", async () => {
    const req = fakeRequest({ headers: { "content-length": "11" } });
    const error = await rejection(readNodeBody(req, limits));
    expect(error.code).toBe("payload_too_large");
    expect(req.readableDidRead).toBe(false);
    expect(req.listenerCount("data")).toBe(0);
  });

  test("a Content-Length that is not a number is not trusted: the bytes decide", async () => {
    const req = fakeRequest({ headers: { "content-length": "lots" } });
    const body = readNodeBody(req, limits);
    req.end("{}");
    expect(Buffer.from((await body) as Uint8Array).toString()).toBe("{}");
  });

  test("a body not whole within bodyTimeoutMs: body_timeout, listeners gone", async () => {
    vi.useFakeTimers();
    const req = fakeRequest();
    const body = readNodeBody(req, limits);
    req.write("{");
    vi.advanceTimersByTime(limits.bodyTimeoutMs);
    const error = await rejection(body);
    expect(error.code).toBe("body_timeout");
    expect(error.message).toContain("200 ms");
    expect(req.listenerCount("data")).toBe(0);
    expect(req.listenerCount("close")).toBe(0);
  });

  test("a stream error: request_aborted with the cause, and a later error is not unhandled", async () => {
    const req = fakeRequest();
    const body = readNodeBody(req, limits);
    const cause = Object.assign(new Error("aborted"), { code: "ECONNRESET" });
    req.destroy(cause);
    const error = await rejection(body);
    expect(error.code).toBe("request_aborted");
    expect(error.cause).toBe(cause);
    expect(() => req.emit("error", new Error("late"))).not.toThrow();
  });

  test("a close before the end: request_aborted", async () => {
    const req = fakeRequest();
    const body = readNodeBody(req, limits);
    req.write("{");
    req.emit("close");
    expect((await rejection(body)).code).toBe("request_aborted");
  });

  test("a request destroyed before the edge ran: request_aborted at once, not a timeout", async () => {
    const req = fakeRequest();
    req.destroy();
    await new Promise((resolve) => setImmediate(resolve)); // 'close' has been emitted
    const started = Date.now();
    expect((await rejection(readNodeBody(req, limits))).code).toBe("request_aborted");
    expect(Date.now() - started).toBeLessThan(limits.bodyTimeoutMs);
  });

  test("a paused stream is resumed", async () => {
    const req = fakeRequest();
    req.pause();
    const body = readNodeBody(req, limits);
    req.end("{}");
    expect(Buffer.from((await body) as Uint8Array).toString()).toBe("{}");
  });

  describe("a body a parser consumed first", () => {
    async function consumed(fields: Parameters<typeof fakeRequest>[0]) {
      const req = fakeRequest(fields);
      req.resume();
      req.end("{}");
      await new Promise((resolve) => req.once("end", resolve));
      return req;
    }

    test("express.raw()'s bytes in req.body are the raw body", async () => {
      const raw = Buffer.from('{"raw":true}');
      expect(await readNodeBody(await consumed({ body: raw }), limits)).toBe(raw);
    });

    test("a verify hook's req.rawBody is the raw body", async () => {
      const rawBody = Buffer.from('{"raw":true}');
      expect(await readNodeBody(await consumed({ body: { raw: true }, rawBody }), limits)).toBe(rawBody);
    });

    test("express.text()'s string is the raw body", async () => {
      expect(await readNodeBody(await consumed({ body: '{"text":1}' }), limits)).toBe('{"text":1}');
    });

    test("body-parser 1.x's _body mark counts as consumed even before the stream ended", async () => {
      const req = fakeRequest({ _body: true, body: { parsed: true } });
      const error = await rejection(readNodeBody(req, { ...limits, bodyParserHint: HINT }));
      expect(error.code).toBe("invalid_payload");
    });

    test("a parsed object: invalid_payload naming the route, what req.body is, and the hint", async () => {
      const error = await rejection(
        readNodeBody(await consumed({ body: { parsed: true } }), { ...limits, bodyParserHint: HINT }),
      );
      expect(isHooksError(error, "invalid_payload")).toBe(true);
      expect(error.message).toContain("POST /hooks:");
      expect(error.message).not.toContain("x=1");
      expect(error.message).toContain("req.body is an object");
      expect(error.message).toContain(HINT);
    });

    test("nothing left at all, and no hint: the generic fix is named", async () => {
      const error = await rejection(readNodeBody(await consumed({}), limits));
      expect(error.code).toBe("invalid_payload");
      expect(error.message).toContain("req.body is undefined");
      expect(error.message).toContain("before any body parser");
    });
  });
});

describe("writeNodeResponse", () => {
  const answer = {
    status: 409,
    headers: { "content-type": "application/json", "retry-after": "3" },
    body: '{"code":"in_progress"}',
  };

  test("writes the status, the headers and the body", () => {
    const res = fakeResponse();
    writeNodeResponse(res, answer);
    expect(res).toMatchObject({ statusCode: 409, ended: true, body: answer.body, headers: answer.headers });
  });

  test("a body the answer did not wait for: dropped for at most graceMs, then the request destroyed", () => {
    vi.useFakeTimers();
    try {
      const req = Object.assign(fakeRequest(), { complete: false });
      const destroy = vi.spyOn(req, "destroy");
      const res = fakeResponse();
      writeNodeResponse(res, { ...answer, status: 413 }, req, 1000);
      // No close with the answer: a sender still writing reads the 413 instead of a reset.
      expect(res.headers.connection).toBeUndefined();
      expect(req.isPaused()).toBe(false); // flowing: the rest is dropped as it arrives
      vi.advanceTimersByTime(999);
      expect(destroy).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(destroy).toHaveBeenCalledOnce();
    } finally {
      vi.useRealTimers();
    }
  });

  test("an upload that ends within graceMs keeps its connection; a 408 closes it at once; a whole body changes nothing", () => {
    vi.useFakeTimers();
    try {
      const ending = Object.assign(fakeRequest(), { complete: false });
      const destroy = vi.spyOn(ending, "destroy");
      writeNodeResponse(fakeResponse(), { ...answer, status: 413 }, ending, 1000);
      ending.emit("end");
      vi.advanceTimersByTime(5000);
      expect(destroy).not.toHaveBeenCalled();

      const stalled = fakeResponse();
      writeNodeResponse(
        stalled,
        { ...answer, status: 408 },
        { headers: {}, complete: false, on: () => {}, removeListener: () => {} },
      );
      expect(stalled.headers.connection).toBe("close");

      const whole = fakeResponse();
      writeNodeResponse(whole, answer, { headers: {}, complete: true, on: () => {}, removeListener: () => {} });
      expect(whole.headers.connection).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  test.each([
    ["headersSent", { headersSent: true }],
    ["writableEnded", { writableEnded: true }],
    ["destroyed", { destroyed: true }],
  ] as const)("writes nothing to a response already %s", (_name, state) => {
    const res = fakeResponse(state);
    writeNodeResponse(res, answer);
    expect(res.ended).toBe(false);
    expect(res.statusCode).toBe(200);
  });
});

describe("handleNodeRequest and toNodeHandler", () => {
  test("a request other than POST gets 405 with Allow: POST, its body unread", async () => {
    const { receiver } = conformanceReceiver(core);
    const req = Object.assign(fakeRequest({ method: "PUT" }), { complete: false });
    const res = fakeResponse();
    await handleNodeRequest(receiver, req, res);
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe("POST");
    expect(req.readableDidRead).toBe(false);
    // The unread body is dropped as it arrives (within bodyTimeoutMs), so the sender reads the 405.
    expect(res.headers.connection).toBeUndefined();
    expect(req.isPaused()).toBe(false);
  });

  test("rejects, writing nothing, when the receiver throws (a bug)", async () => {
    const receiver = {
      maxBodyBytes: 10,
      bodyTimeoutMs: 100,
      receive: () => Promise.reject(new Error("bug")),
    };
    const req = fakeRequest({ method: "GET" });
    const res = fakeResponse();
    await expect(handleNodeRequest(receiver, req, res)).rejects.toThrow("bug");
    expect(res.ended).toBe(false);
  });

  test("toNodeHandler answers a bug with 500 internal_error, logged, and never rejects", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const handler = toNodeHandler({
        maxBodyBytes: 10,
        bodyTimeoutMs: 100,
        receive: () => Promise.reject(new Error("bug")),
      });
      const res = fakeResponse();
      await handler(fakeRequest({ method: "GET" }), res);
      expect(res).toMatchObject({ statusCode: 500, body: '{"code":"internal_error"}' });
      expect(error).toHaveBeenCalledTimes(1);
    } finally {
      error.mockRestore();
    }
  });

  test("toNodeHandler refuses what is not a receiver with invalid_option", () => {
    for (const bad of [undefined, {}, { receive: () => {}, maxBodyBytes: 0, bodyTimeoutMs: 1 }]) {
      let thrown: unknown;
      try {
        toNodeHandler(bad as never);
      } catch (error) {
        thrown = error;
      }
      expect(isHooksError(thrown, "invalid_option")).toBe(true);
    }
  });

  test("node:http's own types fit the edge", () => {
    const { receiver } = conformanceReceiver(core);
    const listener: (req: IncomingMessage, res: ServerResponse) => unknown = toNodeHandler(receiver);
    expect(typeof listener).toBe("function");
  });
});
