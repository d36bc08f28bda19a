// The adapter conformance suite: one table of expected answers that every entry point (node:http,
// Express, Fastify, receiver.fetch, Next.js, Bun, Deno) must give for the same deliveries, from
// valid ones to hostile clients. The app under test serves `conformanceReceiver` (./conformance-app).
import { createHmac, randomUUID } from "node:crypto";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CONFORMANCE } from "./conformance-app";
import { chunk, connectRaw, LAST_CHUNK, type RawResponse, requestHead } from "./socket";

/** An entry point serving the conformance receiver, as `describeConformance`'s `start` returns it. */
export interface ConformanceTarget {
  /** Where deliveries are POSTed. */
  readonly url: string;
  /** The handler runs of event `id` so far (`remoteRuns(url)` for an app served out of process). */
  runs(id: string): Promise<number> | number;
  /** The server process's resident set size in bytes, when the suite can read it. */
  rss?(): Promise<number> | number;
  close(): Promise<void>;
  readonly capabilities?: {
    /**
     * The app also serves the entry point mounted after a JSON body parser, at
     * `parsedUrl` (default: `url` + {@link PARSED_SUFFIX}).
     */
    readonly parserConsumed?: boolean;
  };
  /** Where the entry point behind a JSON body parser is served (with `capabilities.parserConsumed`). */
  readonly parsedUrl?: string;
}

/** Where, by default, the app serves the entry point behind a JSON body parser: `url` + this. */
export const PARSED_SUFFIX = "/behind-json-parser";

/** The event type of ordinary conformance deliveries. */
export const CONFORMANCE_TYPE = "conformance.event";

/** The headers of the conformance scheme (`timestampedHmac({ provider: "conformance" })`) for `body`. */
export function conformanceSignature(
  body: string | Uint8Array,
  { secret = CONFORMANCE.secret as string, timestamp = Math.floor(Date.now() / 1000) } = {},
): Record<string, string> {
  const signature = createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
  return {
    [`x-${CONFORMANCE.provider}-signature`]: signature,
    [`x-${CONFORMANCE.provider}-timestamp`]: `${timestamp}`,
  };
}

/** A signed conformance delivery: `{ id, type, data, created }` as JSON, and its headers. */
export function conformanceDelivery(
  id = `evt_${randomUUID()}`,
  type: string = CONFORMANCE_TYPE,
): { id: string; body: string; headers: Record<string, string> } {
  const body = JSON.stringify({ id, type, data: { conformance: true }, created: 1 });
  return { id, body, headers: { "content-type": "application/json", ...conformanceSignature(body) } };
}

/** A signed conformance delivery whose body is exactly `bytes` long (padded inside `data`). */
export function paddedDelivery(bytes: number): { id: string; body: string; headers: Record<string, string> } {
  const id = `evt_${randomUUID()}`;
  const bare = JSON.stringify({ id, type: CONFORMANCE_TYPE, data: { pad: "" }, created: 1 });
  const body = JSON.stringify({
    id,
    type: CONFORMANCE_TYPE,
    data: { pad: " ".repeat(bytes - bare.length) },
    created: 1,
  });
  return { id, body, headers: { "content-type": "application/json", ...conformanceSignature(body) } };
}

/** The `runs` of an app served out of process: `GET <url's origin and path>/conformance/runs?id=X`. */
export function remoteRuns(url: string): (id: string) => Promise<number> {
  return async (id) => {
    const target = new URL(url);
    target.pathname = `${target.pathname.replace(/\/$/, "")}${CONFORMANCE.runsPath}`;
    target.searchParams.set("id", id);
    const response = await fetch(target);
    if (!response.ok) throw new Error(`GET ${target} answered ${response.status}`);
    return ((await response.json()) as { runs: number }).runs;
  };
}

interface Answer {
  readonly status: number;
  readonly code: string;
  readonly message?: string | undefined;
  readonly headers: Headers;
}

async function post(url: string, body: string | Uint8Array, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(url, { method: "POST", headers, body: body as BodyInit });
  return answerOf(response);
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: { code?: string; message?: string } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {}
  return { status: response.status, code: json.code ?? text, message: json.message, headers: response.headers };
}

function codeOf(response: RawResponse | undefined): string | undefined {
  try {
    return (JSON.parse(response?.body ?? "") as { code?: string }).code;
  } catch {
    return response?.body;
  }
}

/** A delivery that must go through after a hostile one: the server is still up and answering. */
async function expectServes(target: ConformanceTarget): Promise<void> {
  const delivery = conformanceDelivery();
  expect(await post(target.url, delivery.body, delivery.headers)).toMatchObject({ status: 200, code: "processed" });
  expect(await target.runs(delivery.id)).toBe(1);
}

/**
 * Streams a chunked body of up to `totalBytes` (1 MiB writes, waiting for the socket to drain)
 * until the server answers; resolves with the answer and the peak of `sample()` taken meanwhile.
 * Once `pauseAfter` bytes are sent it waits up to `pauseMs` for the answer before sending on: a
 * server that answered and closed the connection would otherwise reset it under the next write,
 * and the client could lose the answer (EPIPE) before reading it.
 */
function streamUntilAnswered(
  url: string,
  headers: Record<string, string>,
  { totalBytes, pauseAfter, pauseMs }: { totalBytes: number; pauseAfter: number; pauseMs: number },
  sample: () => Promise<number> | number,
): Promise<{ status: number; code: string | undefined; sentBytes: number; peak: number }> {
  return new Promise((resolve, reject) => {
    const piece = Buffer.alloc(1024 * 1024, 0x20);
    const req = httpRequest(url, { method: "POST", headers: { ...headers, "transfer-encoding": "chunked" } });
    let sentBytes = 0;
    let peak = 0;
    let answered = false;
    let paused = false;
    let onAnswer = () => {};
    const answer = new Promise<void>((resolve) => {
      onAnswer = resolve;
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer after ${sentBytes} bytes of the chunked upload`));
    }, 60_000);
    req.on("error", (error) => {
      // The server closing the connection after its answer races the upload's writes: not a failure.
      if (!answered) {
        clearTimeout(timer);
        reject(error);
      }
    });
    req.on("response", (res: IncomingMessage) => {
      answered = true;
      onAnswer();
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("end", () => {
        clearTimeout(timer);
        req.destroy();
        let code: string | undefined;
        try {
          code = (JSON.parse(Buffer.concat(parts).toString()) as { code?: string }).code;
        } catch {}
        resolve({ status: res.statusCode ?? 0, code, sentBytes, peak });
      });
    });
    void (async () => {
      try {
        while (!answered && sentBytes < totalBytes && !req.destroyed) {
          if (sentBytes % (4 * piece.length) === 0) peak = Math.max(peak, await sample());
          if (!paused && sentBytes >= pauseAfter) {
            paused = true;
            await Promise.race([answer, new Promise((resolve) => setTimeout(resolve, pauseMs))]);
            if (answered) break;
          }
          sentBytes += piece.length;
          if (!req.write(piece)) {
            await new Promise<void>((next) => {
              const go = () => {
                req.off("drain", go).off("close", go).off("response", go);
                next();
              };
              req.on("drain", go).on("close", go).on("response", go);
            });
          }
        }
        if (!answered && !req.destroyed) req.end();
        peak = Math.max(peak, await sample());
      } catch {
        // the connection went away mid-write: the answer (or the error) settles the promise
      }
    })();
  });
}

/**
 * Registers the conformance table for one entry point: `start` serves the conformance receiver
 * (`conformanceReceiver` of ./conformance-app, with CONFORMANCE's limits) and says how to count its
 * runs. Every entry point must give the same answers; the rows are vitest tests.
 *
 * @example
 * describeConformance("node:http toNodeHandler", async () => {
 *   const { receiver, runs } = conformanceReceiver(core);
 *   const server = await startServer(toNodeHandler(receiver));
 *   return { url: server.url, runs, close: () => server.close() };
 * });
 */
export function describeConformance(name: string, start: () => Promise<ConformanceTarget>): void {
  const { bodyTimeoutMs, maxBodyBytes } = CONFORMANCE;

  describe(`conformance: ${name}`, () => {
    let target: ConformanceTarget;
    beforeAll(async () => {
      target = await start();
    }, 120_000);
    afterAll(async () => {
      await target?.close();
    }, 60_000);

    test("a valid delivery: 200 processed, the handler ran once", async () => {
      const delivery = conformanceDelivery();
      const answer = await post(target.url, delivery.body, delivery.headers);
      expect(answer).toMatchObject({ status: 200, code: "processed" });
      expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await target.runs(delivery.id)).toBe(1);
    });

    test("a duplicate: 200 duplicate, the handler not run again", async () => {
      const delivery = conformanceDelivery();
      expect(await post(target.url, delivery.body, delivery.headers)).toMatchObject({ status: 200, code: "processed" });
      expect(await post(target.url, delivery.body, delivery.headers)).toMatchObject({ status: 200, code: "duplicate" });
      expect(await target.runs(delivery.id)).toBe(1);
    });

    test("8 concurrent copies of a slow event: one 200 processed, the rest 409 in_progress or 200 duplicate", async () => {
      const delivery = conformanceDelivery(undefined, CONFORMANCE.slowType);
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => post(target.url, delivery.body, delivery.headers)),
      );
      expect(answers.filter(({ code }) => code === "processed")).toHaveLength(1);
      for (const { status, code } of answers) {
        expect([`200 processed`, `200 duplicate`, `409 in_progress`]).toContain(`${status} ${code}`);
      }
      for (const answer of answers.filter(({ status }) => status === 409)) {
        expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      }
      expect(await target.runs(delivery.id)).toBe(1);
    });

    test("a bad signature: 401 signature_mismatch, nothing ran", async () => {
      const delivery = conformanceDelivery();
      const forged = { ...delivery.headers, ...conformanceSignature(delivery.body, { secret: "not-the-secret" }) };
      expect(await post(target.url, delivery.body, forged)).toMatchObject({ status: 401, code: "signature_mismatch" });
      expect(await target.runs(delivery.id)).toBe(0);
    });

    test("a GET: 405 method_not_allowed with Allow: POST", async () => {
      const answer = await answerOf(await fetch(target.url));
      expect(answer).toMatchObject({ status: 405, code: "method_not_allowed" });
      expect(answer.headers.get("allow")).toBe("POST");
    });

    test("a declared Content-Length over maxBodyBytes: 413 at once, before any of the body is sent", async () => {
      const { headers } = conformanceDelivery();
      const connection = await connectRaw(target.url);
      try {
        const started = Date.now();
        await connection.write(
          requestHead(target.url, { headers: { ...headers, "content-length": `${maxBodyBytes + 1}` } }),
        );
        const response = await connection.response({ timeoutMs: bodyTimeoutMs + 5_000 });
        expect({ status: response?.status, code: codeOf(response) }).toEqual({
          status: 413,
          code: "payload_too_large",
        });
        expect(Date.now() - started).toBeLessThan(bodyTimeoutMs / 2);
      } finally {
        connection.abort();
      }
      await expectServes(target);
    });

    test("a body of exactly maxBodyBytes: read whole, 200 processed", async () => {
      const delivery = paddedDelivery(maxBodyBytes);
      expect(Buffer.byteLength(delivery.body)).toBe(maxBodyBytes);
      expect(await post(target.url, delivery.body, delivery.headers)).toMatchObject({ status: 200, code: "processed" });
      expect(await target.runs(delivery.id)).toBe(1);
    }, 30_000);

    test("a chunked body of 200 MiB: 413 having kept no more than about maxBodyBytes", async () => {
      const { headers } = conformanceDelivery();
      const sample = async () => (target.rss ? await target.rss() : 0);
      // The baseline is taken once the server has handled a body of the largest size it accepts
      // (which it must hold whole): what it kept for that is not counted against the refusal.
      const largest = paddedDelivery(maxBodyBytes);
      expect((await post(target.url, largest.body, largest.headers)).status).toBe(200);
      const before = await sample();
      // Paused once, just past the limit, for the answer a server that stops reading there has sent.
      const stream = { totalBytes: 200 * 1024 * 1024, pauseAfter: maxBodyBytes + 2 * 1024 * 1024, pauseMs: 2_000 };
      const result = await streamUntilAnswered(target.url, headers, stream, sample);
      expect({ status: result.status, code: result.code }).toEqual({ status: 413, code: "payload_too_large" });
      if (target.rss) expect(result.peak - before).toBeLessThan(2 * maxBodyBytes);
      await expectServes(target);
    }, 60_000);

    test("a withheld body (Content-Length declared, part sent, then silence): 408 by bodyTimeoutMs, connection closed", async () => {
      const { headers } = conformanceDelivery();
      const connection = await connectRaw(target.url);
      try {
        const started = Date.now();
        await connection.write(
          `${requestHead(target.url, { headers: { ...headers, "content-length": "1000" } })}{"id":"evt_withheld"`,
        );
        const response = await connection.response({ timeoutMs: bodyTimeoutMs + 5_000 });
        const elapsed = Date.now() - started;
        expect({ status: response?.status, code: codeOf(response) }).toEqual({ status: 408, code: "body_timeout" });
        expect(elapsed).toBeGreaterThanOrEqual(bodyTimeoutMs - 100);
        expect(elapsed).toBeLessThan(bodyTimeoutMs + 1_500);
        expect(await connection.closed({ timeoutMs: 2_000 })).not.toBe("open");
      } finally {
        connection.abort();
      }
      await expectServes(target);
    });

    test("a trickled body (a byte every 100 ms): 408 by bodyTimeoutMs", async () => {
      const { headers } = conformanceDelivery();
      const connection = await connectRaw(target.url);
      let answered = false;
      try {
        const started = Date.now();
        await connection.write(requestHead(target.url, { headers: { ...headers, "content-length": "1000" } }));
        const trickling = connection
          .trickle(" ".repeat(1000), { chunkBytes: 1, delayMs: 100 })
          .catch(() => {}) // the server closes the connection once it answers
          .then(() => answered);
        const response = await connection.response({ timeoutMs: bodyTimeoutMs + 5_000 });
        answered = true;
        const elapsed = Date.now() - started;
        expect({ status: response?.status, code: codeOf(response) }).toEqual({ status: 408, code: "body_timeout" });
        expect(elapsed).toBeGreaterThanOrEqual(bodyTimeoutMs - 100);
        expect(elapsed).toBeLessThan(bodyTimeoutMs + 1_500);
        connection.abort();
        await trickling;
      } finally {
        connection.abort();
      }
      await expectServes(target);
    });

    test("a client that goes away mid-body: the server survives and answers the next delivery", async () => {
      const delivery = conformanceDelivery();
      const connection = await connectRaw(target.url);
      await connection.write(
        `${requestHead(target.url, { headers: { ...delivery.headers, "content-length": `${delivery.body.length + 100}` } })}${delivery.body.slice(0, 10)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      connection.socket.resetAndDestroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      await expectServes(target);
      expect(await target.runs(delivery.id)).toBe(0);
    });

    test("bad chunk framing: the server survives and answers the next delivery", async () => {
      const delivery = conformanceDelivery();
      const connection = await connectRaw(target.url);
      try {
        await connection.write(
          requestHead(target.url, { headers: { ...delivery.headers, "transfer-encoding": "chunked" } }),
        );
        await connection.write(chunk(delivery.body.slice(0, 10)));
        await connection.write("zz\r\nnot a chunk\r\n").catch(() => {});
        // Answered (400 from the server's HTTP parser, or the core's) or closed: never left hanging.
        const response = await connection.response({ timeoutMs: bodyTimeoutMs + 5_000 });
        if (response) expect(response.status).toBeGreaterThanOrEqual(400);
        else expect(await connection.closed({ timeoutMs: 1_000 })).not.toBe("open");
        await connection.write(LAST_CHUNK).catch(() => {});
      } finally {
        connection.abort();
      }
      await expectServes(target);
      expect(await target.runs(delivery.id)).toBe(0);
    });

    test("a body a JSON parser consumed first: 500 invalid_payload naming the fix", async (context) => {
      if (!target.capabilities?.parserConsumed) return context.skip();
      const url = target.parsedUrl ?? `${target.url.replace(/\/$/, "")}${PARSED_SUFFIX}`;
      const delivery = conformanceDelivery();
      const answer = await post(url, delivery.body, delivery.headers);
      expect(answer).toMatchObject({ status: 500, code: "invalid_payload" });
      expect(answer.message).toMatch(/before/i);
      expect(await target.runs(delivery.id)).toBe(0);
    });

    test("a correctly signed body that is not UTF-8: 400 invalid_body", async () => {
      const body = new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"\xff\xfe"}
      const answer = await post(target.url, body, {
        "content-type": "application/json",
        ...conformanceSignature(body),
      });
      expect(answer).toMatchObject({ status: 400, code: "invalid_body" });
    });
  });
}
