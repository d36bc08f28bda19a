// @hooks/express in real Express 5 and Express 4 apps on 127.0.0.1: the conformance table, then
// what is Express's own (body parsers, mounting, errors), for both majors.
import { once } from "node:events";
import { type IncomingMessage, request } from "node:http";
import * as core from "@hooks/core";
import { createReceiver, type Logger, MemoryStore, schemes } from "@hooks/core";
import { describeConformance, PARSED_SUFFIX, serveInProcess } from "@hooks/test-utils/conformance";
import { conformanceReceiver } from "@hooks/test-utils/conformance-app";
import { eventDelivery, signedDelivery } from "@hooks/test-utils/deliveries";
import { postDelivery, startServer, type TestServer } from "@hooks/test-utils/http";
import express5, { type Express, type RequestHandler } from "express";
import express4 from "express4";
import { afterEach, describe, expect, test, vi } from "vitest";
import { webhooks } from "../src/index";

const SECRET = "express-adapter-secret";
const MAX_BODY_BYTES = 64 * 1024;
const now = () => Math.floor(Date.now() / 1000);

type Events = { "resource.created": { name: string } };

/** A real receiver on a MemoryStore whose handler records each run (and can be made to fail once). */
function setup(behaviour: { failFirst?: boolean; logger?: Logger } = {}) {
  const runs: { id: string; name: string }[] = [];
  const receiver = createReceiver<Events>({
    scheme: schemes.vastai,
    secret: SECRET,
    store: new MemoryStore(),
    maxBodyBytes: MAX_BODY_BYTES,
    logger: behaviour.logger ?? false,
  });
  receiver.on("resource.created", async (event) => {
    runs.push({ id: event.id, name: event.data.name });
    if (behaviour.failFirst && runs.length === 1) throw new Error("downstream is down");
  });
  return { receiver, runs };
}

let sequence = 0;
/** A signed delivery as the sender would post it. */
function delivery(options: { id?: string; timestamp?: number } = {}) {
  const { id = `evt_${++sequence}`, timestamp } = options;
  return eventDelivery(id, { secret: SECRET, data: { name: "gpu-1" }, timestamp });
}

const frameworks = [
  { name: "Express 5", express: express5 },
  { name: "Express 4", express: express4 },
];

/** A logger that records what the receiver logs. */
function spyLogger() {
  return { error: vi.fn(), warn: vi.fn() } satisfies Logger;
}

// The table every entry point answers alike. Mounted with app.all (so that a GET reaches the
// middleware and gets its 405), before express.json(); and once more after it, for the
// parser-consumed row.
for (const { name, express } of frameworks) {
  describeConformance(`${name}: webhooks()`, () => {
    const { receiver, runs } = conformanceReceiver(core);
    const app = express();
    app.all("/webhooks", webhooks(receiver));
    app.use(express.json());
    app.all(`/webhooks${PARSED_SUFFIX}`, webhooks(receiver));
    return serveInProcess(app, runs, { parserConsumed: true });
  });
}

describe.each(frameworks)("$name", ({ express }) => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function listen(app: Express): Promise<string> {
    const server = await startServer(app);
    servers.push(server);
    return server.url;
  }

  /** The usual app: the webhook route first, then JSON parsing for the rest of the app. */
  async function app(handler: RequestHandler) {
    const app = express();
    app.post("/webhooks", handler);
    app.use(express.json());
    app.post("/echo", (req, res) => {
      res.json({ echoed: req.body });
    });
    const base = await listen(app);
    return { base, url: `${base}/webhooks` };
  }

  describe("the core's answers through Express", () => {
    test("stale and future timestamps get 401", async () => {
      const { receiver, runs } = setup();
      const { url } = await app(webhooks(receiver));
      const stale = await postDelivery(url, await delivery({ timestamp: now() - 3600 }));
      const future = await postDelivery(url, await delivery({ timestamp: now() + 3600 }));
      expect(stale).toMatchObject({ status: 401, code: "timestamp_too_old" });
      expect(future).toMatchObject({ status: 401, code: "timestamp_in_future" });
      expect(runs).toHaveLength(0);
    });

    test("missing signature headers get 400", async () => {
      const { receiver, runs } = setup();
      const { url } = await app(webhooks(receiver));
      const { body } = await delivery();
      const answer = await postDelivery(url, { body, headers: { "content-type": "application/json" } });
      expect(answer).toMatchObject({ status: 400, code: "missing_header" });
      expect(runs).toHaveLength(0);
    });

    test("a handler that throws gets 500, and the sender's retry runs it again and gets 200", async () => {
      const { receiver, runs } = setup({ failFirst: true });
      const { url } = await app(webhooks(receiver));
      const d = await delivery();
      expect(await postDelivery(url, d)).toMatchObject({ status: 500, code: "handler_failed" });
      expect(await postDelivery(url, d)).toMatchObject({ status: 200, code: "processed" });
      expect(runs).toHaveLength(2);
    });
  });

  describe("body limit", () => {
    test("413 is answered while the upload is still going: the body is not buffered to its end", async () => {
      const { receiver } = setup();
      const { url } = await app(webhooks(receiver));
      const { headers } = await delivery();
      // A chunked upload of unknown length that never ends: only an adapter that stops reading at
      // the limit can answer it.
      const upload = request(url, { method: "POST", headers });
      upload.on("error", () => {}); // destroyed below, on purpose
      upload.write(Buffer.alloc(MAX_BODY_BYTES * 4, "a"));
      const [response] = (await once(upload, "response", { signal: AbortSignal.timeout(10_000) })) as [IncomingMessage];
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      expect(response.statusCode).toBe(413);
      expect(JSON.parse(Buffer.concat(chunks).toString())).toEqual({ code: "payload_too_large" });
      expect(upload.writableEnded).toBe(false);
      upload.destroy();
      expect(await postDelivery(url, await delivery())).toMatchObject({ status: 200, code: "processed" });
    });

    test("a body exactly at maxBodyBytes is read whole and judged by the core (not 413)", async () => {
      const { receiver } = setup();
      const { url } = await app(webhooks(receiver));
      const d = await delivery();
      const padded = d.body.padEnd(MAX_BODY_BYTES, " ");
      const json = { "content-type": "application/json" };
      const answer = await postDelivery(url, await signedDelivery(padded, { secret: SECRET, headers: json }));
      expect(answer).toMatchObject({ status: 200, code: "processed" });
    });
  });

  describe("body parsers", () => {
    test("express.json() before the webhook route: 500 invalid_payload naming the fix, logged once by the receiver, other routes fine", async () => {
      const logger = spyLogger();
      const { receiver, runs } = setup({ logger });
      const app = express();
      app.use(express.json());
      app.post("/webhooks", webhooks(receiver));
      app.post("/echo", (req, res) => {
        res.json({ echoed: req.body });
      });
      const base = await listen(app);

      for (let i = 0; i < 3; i++) {
        const answer = await postDelivery(`${base}/webhooks`, await delivery());
        expect(answer.status).toBe(500);
        expect(answer.code).toBe("invalid_payload");
        expect(answer.message).toContain("POST /webhooks");
        expect(answer.message).toContain("req.body is an object");
        expect(answer.message).toContain("before app.use(express.json())");
        expect(answer.message).toContain("express.raw(");
      }
      expect(runs).toHaveLength(0);
      // The receiver logs it (an error: every delivery fails until the app is fixed), rate-limited.
      expect(logger.error).toHaveBeenCalledTimes(1);
      const [fields, line] = logger.error.mock.calls[0] as [{ code: string; err: Error }, string];
      expect(fields.code).toBe("invalid_payload");
      expect(line).toContain("misconfigured");
      expect(fields.err.message).toContain("before app.use(express.json())");

      const echo = await fetch(`${base}/echo`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ hello: "world" }),
      });
      expect(await echo.json()).toEqual({ echoed: { hello: "world" } });
    });

    test("the webhook route before express.json(): both the webhook and the JSON route work", async () => {
      const { receiver, runs } = setup();
      const { base, url } = await app(webhooks(receiver));
      expect(await postDelivery(url, await delivery())).toMatchObject({ status: 200, code: "processed" });
      const echo = await fetch(`${base}/echo`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ hello: "world" }),
      });
      expect(await echo.json()).toEqual({ echoed: { hello: "world" } });
      expect(runs).toHaveLength(1);
    });

    test("express.raw() before the webhook route: its Buffer is the raw body", async () => {
      const { receiver, runs } = setup();
      const app = express();
      app.use(express.raw({ type: "*/*" }));
      app.post("/webhooks", webhooks(receiver));
      const base = await listen(app);
      expect(await postDelivery(`${base}/webhooks`, await delivery())).toMatchObject({
        status: 200,
        code: "processed",
      });
      expect(runs).toHaveLength(1);
    });

    test("express.json() with a verify hook that keeps req.rawBody: those bytes are used", async () => {
      const { receiver, runs } = setup();
      const app = express();
      app.use(
        express.json({
          verify: (req, _res, buf) => {
            (req as typeof req & { rawBody?: Buffer }).rawBody = buf;
          },
        }),
      );
      app.post("/webhooks", webhooks(receiver));
      const base = await listen(app);
      expect(await postDelivery(`${base}/webhooks`, await delivery())).toMatchObject({
        status: 200,
        code: "processed",
      });
      expect(runs).toHaveLength(1);
    });

    test("express.json() that skipped the request (another content type) leaves the stream to the adapter", async () => {
      const logger = spyLogger();
      const { receiver, runs } = setup({ logger });
      const app = express();
      app.use(express.json()); // Express 4 still sets req.body = {} here, without reading the stream
      app.post("/webhooks", webhooks(receiver));
      const base = await listen(app);
      const d = await delivery();
      const answer = await postDelivery(`${base}/webhooks`, d, { headers: { "content-type": "text/plain" } });
      expect(answer).toMatchObject({ status: 200, code: "processed" });
      expect(runs).toHaveLength(1);
      expect(logger.error).not.toHaveBeenCalled();
    });

    test("a stream read by other middleware with nothing left in req.body: 500 naming it, logged once by the receiver", async () => {
      const logger = spyLogger();
      const { receiver, runs } = setup({ logger });
      const app = express();
      app.use((req, _res, next) => {
        req.on("data", () => {}).on("end", () => next());
      });
      app.post("/webhooks", webhooks(receiver));
      const base = await listen(app);
      for (let i = 0; i < 2; i++) {
        const answer = await postDelivery(`${base}/webhooks`, await delivery());
        expect(answer).toMatchObject({ status: 500, code: "invalid_payload" });
        expect(answer.message).toContain("req.body is undefined");
      }
      expect(runs).toHaveLength(0);
      expect(logger.error).toHaveBeenCalledTimes(1);
    });

    test("bodyParserHint replaces the Express fix in the message", async () => {
      const { receiver } = setup();
      const app = express();
      app.use(express.json());
      app.post("/webhooks", webhooks(receiver, { bodyParserHint: "Move /webhooks out of the API router." }));
      const base = await listen(app);
      const answer = await postDelivery(`${base}/webhooks`, await delivery());
      expect(answer).toMatchObject({ status: 500, code: "invalid_payload" });
      expect(answer.message).toContain("Move /webhooks out of the API router.");
      expect(answer.message).not.toContain("express.json()");
    });
  });

  describe("mounting", () => {
    test("inside nested express.Router()s at any mount path", async () => {
      const { receiver, runs } = setup();
      const hooks = express.Router();
      hooks.post("/vastai", webhooks(receiver));
      const api = express.Router();
      api.use("/hooks", hooks);
      const app = express();
      app.use("/api/v1", api);
      app.use(express.json());
      const base = await listen(app);
      expect(await postDelivery(`${base}/api/v1/hooks/vastai`, await delivery())).toMatchObject({
        status: 200,
        code: "processed",
      });
      expect(runs).toHaveLength(1);
    });

    test("mounted with app.use(), a request other than POST gets the core's 405; routes before it keep theirs", async () => {
      const { receiver, runs } = setup();
      const app = express();
      app.get("/webhooks", (_req, res) => {
        res.send("status page");
      });
      app.use("/webhooks", webhooks(receiver));
      const base = await listen(app);
      const page = await fetch(`${base}/webhooks`);
      expect(await page.text()).toBe("status page");
      const put = await fetch(`${base}/webhooks`, { method: "PUT", body: "{}" });
      expect(put.status).toBe(405);
      expect(put.headers.get("allow")).toBe("POST");
      expect(await put.json()).toEqual({ code: "method_not_allowed" });
      expect(await postDelivery(`${base}/webhooks`, await delivery())).toMatchObject({
        status: 200,
        code: "processed",
      });
      expect(runs).toHaveLength(1);
    });

    test("mounted with app.post(), other methods never reach it: Express's own 404", async () => {
      const { receiver } = setup();
      const { url } = await app(webhooks(receiver));
      expect((await fetch(url)).status).toBe(404);
    });

    test("a bug (the receiver throws) goes to Express's error handler through next", async () => {
      const receiver = {
        maxBodyBytes: 1024,
        bodyTimeoutMs: 1000,
        receive: () => Promise.reject(new Error("a bug")),
      };
      const app = express();
      app.post("/webhooks", webhooks(receiver));
      app.use(
        (error: Error, _req: unknown, res: { status(code: number): { json(body: unknown): void } }, _next: unknown) => {
          res.status(599).json({ handledBy: "express", message: error.message });
        },
      );
      const base = await listen(app);
      const response = await fetch(`${base}/webhooks`, { method: "POST", body: "{}" });
      expect({ status: response.status, body: await response.json() }).toEqual({
        status: 599,
        body: { handledBy: "express", message: "a bug" },
      });
    });
  });
});
