// Fastify 4 and 5 plugin: one route whose raw body @hooks/core/node reads under the receiver's limits.
import { InvalidOptionError } from "@hooks/core";
import { checkNodeReceiver, type NodeReceiver, receiveNodeRequest } from "@hooks/core/node";
import type { FastifyPluginAsync } from "fastify";
import fastifyPlugin from "fastify-plugin";

export interface WebhooksOptions {
  /** The receiver that verifies, deduplicates and dispatches; from `createReceiver`. */
  readonly receiver: NodeReceiver;
  /** The route's path, under the `prefix` the plugin is registered with, e.g. `"/webhooks"`. */
  readonly path: string;
}

const plugin: FastifyPluginAsync<WebhooksOptions> = async (scope, { receiver, path }) => {
  // Refused at register (app.ready() or listen() rejects), not as a TypeError sent to every sender.
  checkNodeReceiver(receiver);
  if (typeof path !== "string" || !path.startsWith("/"))
    throw new InvalidOptionError(
      "path",
      'the webhook route\'s path must be a string starting with "/", e.g. "/webhooks/stripe"',
    );
  // Within this plugin's scope only: no parser reads the body (the app's JSON parser would take it,
  // and Fastify's buffer parser has no deadline); the route reads the stream itself, through the core.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));

  // Every method, so that a request other than POST gets the core's 405 with `Allow: POST`.
  scope.all(path, async (request, reply) => {
    const answer = await receiveNodeRequest(receiver, request.raw);
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  });
};

/**
 * Receives webhooks in Fastify 4 and 5: registers one route that reads the raw body (for that
 * route only: the rest of the app keeps Fastify's JSON parsing) under the receiver's `maxBodyBytes`
 * and `bodyTimeoutMs`, lets the receiver verify and dispatch it, and answers with the receiver's
 * status, headers and body. The route takes every method: anything but POST gets 405. Registering
 * it without a receiver from `createReceiver`, or with a `path` that does not start with "/", fails
 * the app's start with an `InvalidOptionError` (code `invalid_option`) whose `option` names it.
 *
 * @example
 * const receiver = createReceiver({ scheme: schemes.stripe, secret: process.env.STRIPE_WEBHOOK_SECRET });
 * receiver.on("invoice.paid", async (event) => credit(event.data));
 * await app.register(webhooks, { receiver, path: "/webhooks/stripe" }); // a `prefix` applies too
 */
export const webhooks = fastifyPlugin(plugin, {
  name: "@hooks/fastify",
  fastify: "^4.28.0 || ^5.0.0", // the peer dependency's range, checked by Fastify at register
  // Keeps the body parser inside the plugin and honours `prefix`.
  encapsulate: true,
});
