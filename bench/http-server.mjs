// Child process of the HTTP benchmark: one webhook server (chosen by argv[2]) on 127.0.0.1, port 0.
// Every server answers the same repeated signed delivery as a duplicate: verify, parse, look the id up.
import { createServer } from "node:http";
import { createReceiver, schemes } from "@hooks/core";
import { webhooks as hooksExpress } from "@hooks/express";
import { webhooks as hooksFastify } from "@hooks/fastify";
import express from "express";
import Fastify from "fastify";
import { handVerify, SECRET } from "./common.mjs";

const PATH = "/webhooks";
const seen = new Set();

/** The hand-written pipeline: verify by hand, parse, remember the id; returns [status, body]. */
function handle(headers, body) {
  const ok = handVerify(SECRET, headers["x-vastai-timestamp"] ?? "", headers["x-vastai-signature"] ?? "", body);
  if (!ok) return [401, '{"code":"signature_mismatch"}'];
  const event = JSON.parse(body.toString());
  if (seen.has(event.id)) return [200, '{"code":"duplicate"}'];
  seen.add(event.id);
  return [200, '{"code":"processed"}'];
}

function receiver() {
  const r = createReceiver({ scheme: schemes.vastai, secret: SECRET });
  r.on("invoice.paid", () => {});
  return r;
}

const servers = {
  async "node:http + hand-written"() {
    const server = createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const [status, body] = handle(req.headers, Buffer.concat(chunks));
        res.writeHead(status, { "content-type": "application/json" }).end(body);
      });
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    return server.address().port;
  },
  async "express + express.raw() + hand-written"() {
    const app = express();
    app.post(PATH, express.raw({ type: "*/*", limit: "1mb" }), (req, res) => {
      const [status, body] = handle(req.headers, req.body);
      res.status(status).type("application/json").send(body);
    });
    return listen(app);
  },
  async "@hooks/express"() {
    const app = express();
    app.post(PATH, hooksExpress(receiver()));
    return listen(app);
  },
  async "fastify + raw parser + hand-written"() {
    const app = Fastify({ bodyLimit: 1024 * 1024 });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
    app.post(PATH, async (req, reply) => {
      const [status, body] = handle(req.headers, req.body);
      return reply.code(status).type("application/json").send(body);
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    return app.server.address().port;
  },
  async "@hooks/fastify"() {
    const app = Fastify();
    await app.register(hooksFastify, { receiver: receiver(), path: PATH });
    await app.listen({ port: 0, host: "127.0.0.1" });
    return app.server.address().port;
  },
};

function listen(app) {
  return new Promise((resolve) => {
    const server = app.listen(0, "127.0.0.1", () => resolve(server.address().port));
  });
}

export const SERVERS = Object.keys(servers);

if (process.argv[2]) {
  const port = await servers[process.argv[2]]();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}
