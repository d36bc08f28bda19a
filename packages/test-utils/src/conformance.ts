// The adapter conformance suite: one table of expected answers that every entry point (node:http,
// Express, Fastify, receiver.fetch, Next.js, Bun, Deno) must give for the same deliveries, from
// valid ones to hostile clients. The app under test serves `conformanceReceiver` (./conformance-app).
// A row an entry point genuinely cannot pass is declared as a known gap (`knownGaps`), not skipped.
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage, type RequestListener } from "node:http";
import { afterAll, beforeAll, describe, expect, type TestContext, test } from "vitest";
import { CONFORMANCE } from "./conformance-app";
import { postDelivery, readAnswer, startServer } from "./http";
import { chunk, connectRaw, LAST_CHUNK, type RawConnection, type RawResponse, requestHead } from "./socket";
import { sleep } from "./wait";

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

/** The `rss` of an app served out of process: its resident set size in bytes, from /proc/<pid>/status (Linux). */
export function residentBytes(pid: number): number {
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  if (kib === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

/** A raw answer's status and the `code` of its JSON body (its text when not JSON); undefined ones when none came. */
function rawAnswer(response: RawResponse | undefined): { status: number | undefined; code: string | undefined } {
  let code = response?.body;
  try {
    code = (JSON.parse(response?.body ?? "") as { code?: string }).code;
  } catch {}
  return { status: response?.status, code };
}

/** A body not whole within bodyTimeoutMs got its 408 on time: not before the deadline, not long after. */
function expectBodyTimeout(response: RawResponse | undefined, started: number): void {
  const elapsed = Date.now() - started;
  expect(rawAnswer(response)).toEqual({ status: 408, code: "body_timeout" });
  expect(elapsed).toBeGreaterThanOrEqual(CONFORMANCE.bodyTimeoutMs - 100);
  expect(elapsed).toBeLessThan(CONFORMANCE.bodyTimeoutMs + 1_500);
}

/** A delivery that must go through after a hostile one: the server is still up and answering. */
async function expectServes(target: ConformanceTarget): Promise<void> {
  const delivery = conformanceDelivery();
  expect(await postDelivery(target.url, delivery)).toMatchObject({ status: 200, code: "processed" });
  expect(await target.runs(delivery.id)).toBe(1);
}

/**
 * A hostile client on a raw connection: `client` writes its bytes and checks the answer; the
 * connection is aborted after, and the server must still serve the next delivery.
 */
async function hostileClient(
  target: ConformanceTarget,
  client: (connection: RawConnection) => Promise<void>,
): Promise<void> {
  const connection = await connectRaw(target.url);
  try {
    await client(connection);
  } finally {
    connection.abort();
  }
  await expectServes(target);
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
            await Promise.race([answer, sleep(pauseMs)]);
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
 * The rows of the table, by the stable key a {@link KnownGap} names one with (titles may be reworded):
 * - `valid`: a valid delivery, 200 processed, the handler ran once;
 * - `duplicate`: the same delivery again, 200 duplicate;
 * - `concurrent`: 8 concurrent copies of a slow event, one processed;
 * - `badSignature`: 401 signature_mismatch;
 * - `wrongMethod`: a GET, 405 with Allow: POST;
 * - `declaredOverLimit`: a Content-Length over maxBodyBytes, 413 before any of the body is sent;
 * - `exactlyAtLimit`: a body of exactly maxBodyBytes, 200;
 * - `chunkedOverLimit`: a chunked 200 MiB upload, 413 having kept about maxBodyBytes;
 * - `withheldBody`: part of the declared body, then silence: 408 by bodyTimeoutMs, connection closed;
 * - `trickledBody`: a byte every 100 ms, 408 by bodyTimeoutMs;
 * - `clientGone`: a client that resets mid-body, the server answers the next delivery;
 * - `badChunkFraming`: broken chunked framing, the server answers the next delivery;
 * - `parserConsumed`: behind a JSON body parser, 500 invalid_payload (with `capabilities.parserConsumed`);
 * - `notUtf8`: a signed body that is not UTF-8, 400 invalid_body.
 */
export type ConformanceRow =
  | "valid"
  | "duplicate"
  | "concurrent"
  | "badSignature"
  | "wrongMethod"
  | "declaredOverLimit"
  | "exactlyAtLimit"
  | "chunkedOverLimit"
  | "withheldBody"
  | "trickledBody"
  | "clientGone"
  | "badChunkFraming"
  | "parserConsumed"
  | "notUtf8";

/**
 * A row an entry point genuinely cannot pass (a limit of the framework or runtime, not of hooks),
 * why, and the failure it gives instead.
 */
export interface KnownGap {
  readonly row: ConformanceRow;
  /** Why the entry point cannot pass the row: the test's annotation, `known gap: <why>`. */
  readonly why: string;
  /** The failure the row gives, matched against the error's message; any other failure fails the run. */
  readonly symptom: RegExp;
  /** The row passes on some runs (it measures memory or time): a pass is not taken as the gap being fixed. */
  readonly intermittent?: boolean;
}

/** Options of {@link describeConformance}. */
export interface ConformanceOptions {
  /**
   * Rows run as expected failures. Such a row passes while it fails with its `symptom`; it fails the
   * run when it fails otherwise, and when it passes (the gap was fixed upstream: drop the entry),
   * unless it is `intermittent`. Default: none.
   */
  readonly knownGaps?: readonly KnownGap[];
}

/**
 * Runs one row as a known gap (how `describeConformance` runs the rows in `knownGaps`): resolves
 * while the row fails with `gap.symptom`, or passes when an `intermittent` row passes; rejects with
 * the row's own error when it fails otherwise (a skip included), and with a "drop the entry" error
 * when a gap that is not intermittent passes.
 */
export async function expectGap(
  gap: KnownGap,
  context: Pick<TestContext, "annotate">,
  row: () => Promise<void>,
): Promise<void> {
  await context.annotate(`known gap: ${gap.why}`);
  try {
    await row();
  } catch (error) {
    if (gap.symptom.test(error instanceof Error ? error.message : String(error))) return;
    throw error;
  }
  if (!gap.intermittent) {
    throw new Error(
      `the known gap "${gap.row}" passed: if "${gap.why}" no longer holds, drop it from knownGaps (or mark it intermittent)`,
    );
  }
}

/**
 * A target served in this test process: `listener` (a node:http listener, an Express app) on a
 * `startServer` server, deliveries to `<server>/webhooks`, this process's memory sampled.
 *
 * @example
 * describeConformance("node:http toNodeHandler", async () => {
 *   const { receiver, runs } = conformanceReceiver(core);
 *   return serveInProcess(toNodeHandler(receiver), runs);
 * });
 */
export async function serveInProcess(
  listener: RequestListener,
  runs: (id: string) => number,
  capabilities?: ConformanceTarget["capabilities"],
): Promise<ConformanceTarget> {
  const server = await startServer(listener);
  return {
    url: `${server.url}/webhooks`,
    runs,
    rss: () => process.memoryUsage().rss,
    close: () => server.close(),
    ...(capabilities ? { capabilities } : {}),
  };
}

/**
 * Registers the conformance table for one entry point: `start` serves the conformance receiver
 * (`conformanceReceiver` of ./conformance-app, with CONFORMANCE's limits) and says how to count its
 * runs. Every entry point must give the same answers; the rows are vitest tests. A row the entry
 * point genuinely cannot pass goes in `options.knownGaps` with why and how it fails.
 *
 * @example
 * describeConformance("node:http toNodeHandler", async () => {
 *   const { receiver, runs } = conformanceReceiver(core);
 *   return serveInProcess(toNodeHandler(receiver), runs);
 * });
 * describeConformance("Deno, Deno.serve", () => serve("deno"), {
 *   knownGaps: [{ row: "withheldBody", why: "Deno.serve keeps the connection open", symptom: /expected 'open' not to be 'open'/ }],
 * });
 */
export function describeConformance(
  name: string,
  start: () => Promise<ConformanceTarget>,
  { knownGaps = [] }: ConformanceOptions = {},
): void {
  const { bodyTimeoutMs, maxBodyBytes } = CONFORMANCE;
  const gaps = new Map<ConformanceRow, KnownGap>();
  for (const gap of knownGaps) {
    if (gaps.has(gap.row)) throw new Error(`knownGaps of ${name}: "${gap.row}" is listed twice`);
    gaps.set(gap.row, gap);
  }
  const rows = new Set<ConformanceRow>();

  /** A row of the table: a test, run as an expected failure when it is a known gap. */
  const row = (key: ConformanceRow, title: string, body: (context: TestContext) => Promise<void>, timeout?: number) => {
    rows.add(key);
    const gap = gaps.get(key);
    test(title, gap ? (context) => expectGap(gap, context, () => body(context)) : body, timeout);
  };

  describe(`conformance: ${name}`, () => {
    let target: ConformanceTarget;
    beforeAll(async () => {
      target = await start();
    }, 120_000);
    afterAll(async () => {
      await target?.close();
    }, 60_000);

    row("valid", "a valid delivery: 200 processed, the handler ran once", async () => {
      const delivery = conformanceDelivery();
      const answer = await postDelivery(target.url, delivery);
      expect(answer).toMatchObject({ status: 200, code: "processed" });
      expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await target.runs(delivery.id)).toBe(1);
    });

    row("duplicate", "a duplicate: 200 duplicate, the handler not run again", async () => {
      const delivery = conformanceDelivery();
      expect(await postDelivery(target.url, delivery)).toMatchObject({ status: 200, code: "processed" });
      expect(await postDelivery(target.url, delivery)).toMatchObject({ status: 200, code: "duplicate" });
      expect(await target.runs(delivery.id)).toBe(1);
    });

    row(
      "concurrent",
      "8 concurrent copies of a slow event: one 200 processed, the rest 409 in_progress or 200 duplicate",
      async () => {
        const delivery = conformanceDelivery(undefined, CONFORMANCE.slowType);
        const answers = await Promise.all(Array.from({ length: 8 }, () => postDelivery(target.url, delivery)));
        expect(answers.filter(({ code }) => code === "processed")).toHaveLength(1);
        for (const { status, code } of answers) {
          expect([`200 processed`, `200 duplicate`, `409 in_progress`]).toContain(`${status} ${code}`);
        }
        for (const answer of answers.filter(({ status }) => status === 409)) {
          expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        }
        expect(await target.runs(delivery.id)).toBe(1);
      },
    );

    row("badSignature", "a bad signature: 401 signature_mismatch, nothing ran", async () => {
      const delivery = conformanceDelivery();
      const forged = { ...delivery.headers, ...conformanceSignature(delivery.body, { secret: "not-the-secret" }) };
      expect(await postDelivery(target.url, { body: delivery.body, headers: forged })).toMatchObject({
        status: 401,
        code: "signature_mismatch",
      });
      expect(await target.runs(delivery.id)).toBe(0);
    });

    row("wrongMethod", "a GET: 405 method_not_allowed with Allow: POST", async () => {
      const answer = await readAnswer(await fetch(target.url));
      expect(answer).toMatchObject({ status: 405, code: "method_not_allowed" });
      expect(answer.headers.get("allow")).toBe("POST");
    });

    row(
      "declaredOverLimit",
      "a declared Content-Length over maxBodyBytes: 413 at once, before any of the body is sent",
      async () => {
        const { headers } = conformanceDelivery();
        await hostileClient(target, async (connection) => {
          const started = Date.now();
          await connection.write(
            requestHead(target.url, { headers: { ...headers, "content-length": `${maxBodyBytes + 1}` } }),
          );
          const response = await connection.response({ timeoutMs: bodyTimeoutMs + 5_000 });
          expect(rawAnswer(response)).toEqual({ status: 413, code: "payload_too_large" });
          expect(Date.now() - started).toBeLessThan(bodyTimeoutMs / 2);
        });
      },
    );

    row(
      "exactlyAtLimit",
      "a body of exactly maxBodyBytes: read whole, 200 processed",
      async () => {
        const delivery = paddedDelivery(maxBodyBytes);
        expect(Buffer.byteLength(delivery.body)).toBe(maxBodyBytes);
        expect(await postDelivery(target.url, delivery)).toMatchObject({ status: 200, code: "processed" });
        expect(await target.runs(delivery.id)).toBe(1);
      },
      30_000,
    );

    row(
      "chunkedOverLimit",
      "a chunked body of 200 MiB: 413 having kept no more than about maxBodyBytes",
      async () => {
        const { headers } = conformanceDelivery();
        const sample = async () => (target.rss ? await target.rss() : 0);
        // The baseline is taken once the server has handled a body of the largest size it accepts
        // (which it must hold whole): what it kept for that is not counted against the refusal.
        const largest = paddedDelivery(maxBodyBytes);
        expect((await postDelivery(target.url, largest)).status).toBe(200);
        const before = await sample();
        // Paused once, just past the limit, for the answer a server that stops reading there has sent.
        const stream = { totalBytes: 200 * 1024 * 1024, pauseAfter: maxBodyBytes + 2 * 1024 * 1024, pauseMs: 2_000 };
        const result = await streamUntilAnswered(target.url, headers, stream, sample);
        expect({ status: result.status, code: result.code }).toEqual({ status: 413, code: "payload_too_large" });
        if (target.rss) expect(result.peak - before).toBeLessThan(2 * maxBodyBytes);
        await expectServes(target);
      },
      60_000,
    );

    row(
      "withheldBody",
      "a withheld body (Content-Length declared, part sent, then silence): 408 by bodyTimeoutMs, connection closed",
      async () => {
        const { headers } = conformanceDelivery();
        await hostileClient(target, async (connection) => {
          const started = Date.now();
          await connection.write(
            `${requestHead(target.url, { headers: { ...headers, "content-length": "1000" } })}{"id":"evt_withheld"`,
          );
          expectBodyTimeout(await connection.response({ timeoutMs: bodyTimeoutMs + 5_000 }), started);
          expect(await connection.closed({ timeoutMs: 2_000 })).not.toBe("open");
        });
      },
    );

    row("trickledBody", "a trickled body (a byte every 100 ms): 408 by bodyTimeoutMs", async () => {
      const { headers } = conformanceDelivery();
      await hostileClient(target, async (connection) => {
        const started = Date.now();
        await connection.write(requestHead(target.url, { headers: { ...headers, "content-length": "1000" } }));
        const trickling = connection.trickle(" ".repeat(1000), { chunkBytes: 1, delayMs: 100 }).catch(() => {}); // the server closes the connection once it answers
        expectBodyTimeout(await connection.response({ timeoutMs: bodyTimeoutMs + 5_000 }), started);
        connection.abort();
        await trickling;
      });
    });

    row(
      "clientGone",
      "a client that goes away mid-body: the server survives and answers the next delivery",
      async () => {
        const delivery = conformanceDelivery();
        await hostileClient(target, async (connection) => {
          await connection.write(
            `${requestHead(target.url, { headers: { ...delivery.headers, "content-length": `${delivery.body.length + 100}` } })}${delivery.body.slice(0, 10)}`,
          );
          await sleep(100);
          connection.socket.resetAndDestroy();
          await sleep(100);
        });
        expect(await target.runs(delivery.id)).toBe(0);
      },
    );

    row("badChunkFraming", "bad chunk framing: the server survives and answers the next delivery", async () => {
      const delivery = conformanceDelivery();
      await hostileClient(target, async (connection) => {
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
      });
      expect(await target.runs(delivery.id)).toBe(0);
    });

    row(
      "parserConsumed",
      "a body a JSON parser consumed first: 500 invalid_payload naming the fix",
      async (context) => {
        if (!target.capabilities?.parserConsumed) return context.skip();
        const url = target.parsedUrl ?? `${target.url.replace(/\/$/, "")}${PARSED_SUFFIX}`;
        const delivery = conformanceDelivery();
        const answer = await postDelivery(url, delivery);
        expect(answer).toMatchObject({ status: 500, code: "invalid_payload" });
        expect(answer.message).toMatch(/before/i);
        expect(await target.runs(delivery.id)).toBe(0);
      },
    );

    row("notUtf8", "a correctly signed body that is not UTF-8: 400 invalid_body", async () => {
      const body = new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"\xff\xfe"}
      const headers = { "content-type": "application/json", ...conformanceSignature(body) };
      expect(await postDelivery(target.url, { body, headers })).toMatchObject({ status: 400, code: "invalid_body" });
    });

    for (const gap of gaps.keys()) {
      if (!rows.has(gap)) throw new Error(`knownGaps of ${name}: the table has no row "${gap}"`);
    }
  });
}
