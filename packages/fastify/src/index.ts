// Fastify 4 and 5 plugin: one POST route whose raw body goes to @hooks/core, and the core's answer back.
import type { HttpResponse, Receiver } from "@hooks/core";
import type { FastifyError, FastifyPluginAsync, FastifyReply } from "fastify";
import fastifyPlugin from "fastify-plugin";

export interface WebhooksOptions {
  /** The receiver that verifies, deduplicates and dispatches; from `createReceiver`. */
  readonly receiver: Pick<Receiver, "receive" | "maxBodyBytes">;
  /** The route's path, under the `prefix` the plugin is registered with, e.g. `"/webhooks"`. */
  readonly path: string;
}

// Fastify leaves `body` undefined for a POST without a body; the raw body is then empty.
const EMPTY = new Uint8Array(0);

function answer(reply: FastifyReply, { status, headers, body }: HttpResponse): FastifyReply {
  return reply.code(status).headers(headers).send(body);
}

const plugin: FastifyPluginAsync<WebhooksOptions> = async (scope, { receiver, path }) => {
  // Within this plugin's scope only: the app's parsers (JSON first) would otherwise take the
  // content types they know, and the signature covers the bytes as sent, not a re-encoded object.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));

  scope.setErrorHandler<FastifyError>(async (error, request, reply) => {
    if (error.code !== "FST_ERR_CTP_BODY_TOO_LARGE") throw error; // the app's error handler takes the rest
    // Fastify refused the body past bodyLimit (from the declared length, or stopping mid-stream)
    // and dropped what it had read. The core decides the answer (and tells onOutcome) for any body
    // over maxBodyBytes before looking inside, so it gets a zero-filled stand-in of that size.
    request.log.info({ maxBodyBytes: receiver.maxBodyBytes }, "webhook body over maxBodyBytes, refused unread");
    // The sender may still be sending: close the connection rather than read the rest of the body
    // to keep it alive (Fastify 5 asks for this itself; Fastify 4 not when it stops mid-stream).
    reply.header("connection", "close");
    const tooLarge = new Uint8Array(receiver.maxBodyBytes + 1);
    return answer(reply, await receiver.receive({ headers: request.headers, body: tooLarge }));
  });

  scope.post<{ Body: Buffer | undefined }>(path, { bodyLimit: receiver.maxBodyBytes }, async (request, reply) =>
    answer(reply, await receiver.receive({ headers: request.headers, body: request.body ?? EMPTY })),
  );
};

/**
 * Receives webhooks in Fastify 4 and 5: registers one POST route that keeps the raw body (for
 * that route only: the rest of the app keeps Fastify's JSON parsing), lets the receiver verify
 * and dispatch it, and answers with the receiver's status, headers and body. Bodies over the
 * receiver's `maxBodyBytes` are refused by Fastify's body limit, with the receiver's 413.
 *
 * @example
 * const receiver = createReceiver({ scheme: schemes.stripe, secret: process.env.STRIPE_WEBHOOK_SECRET! });
 * receiver.on("invoice.paid", async (event) => credit(event.data));
 * await app.register(webhooks, { receiver, path: "/webhooks/stripe" }); // a `prefix` applies too
 */
export const webhooks = fastifyPlugin(plugin, {
  name: "@hooks/fastify",
  fastify: "^4.28.0 || ^5.0.0", // the peer dependency's range, checked by Fastify at register
  // Keeps the raw-body parser and error handler inside the plugin and honours `prefix`.
  encapsulate: true,
});
