// The Node edge: a request handed to a receiver, its answer written back, for node:http and anything
// that passes Node's req/res along (Express, Next Pages, Connect, Polka).
import { invalidOption } from "../errors";
import type { HttpResponse } from "../http";
import type { Receiver } from "../receiver/index";
import { checkLimits, type ReadNodeBodyOptions, readNodeBody } from "./read";
import type { NodeRequest, NodeResponse } from "./types";

/** Options of {@link toNodeHandler} and {@link handleNodeRequest}. */
export interface NodeHandlerOptions {
  /** The fix to name when a body parser consumed the body first (see `readNodeBody`). */
  readonly bodyParserHint?: string | undefined;
}

/** What the edge needs of a receiver. */
export type NodeReceiver = Pick<Receiver, "receive" | "maxBodyBytes" | "bodyTimeoutMs">;

/**
 * What becomes of a body the answer did not wait for (`req.complete` false: 413, 405, an early
 * refusal), as headers to add to the answer. After a 408 the client has stalled: the connection is
 * closed with the answer. Otherwise the rest of the upload is dropped as it arrives (nothing is
 * buffered), so a sender still writing can read the answer instead of a reset; past `graceMs`, or
 * `graceBytes` more, the connection is closed.
 */
export function settleUnreadBody(
  req: NodeRequest,
  status: number,
  graceMs: number,
  graceBytes = DRAIN_BYTES,
): Record<string, string> {
  if (req.complete !== false || req.destroyed) return {};
  if (status === 408) return { connection: "close" };
  let dropped = 0;
  const stop = () => {
    done();
    if (req.complete === false) req.destroy?.();
  };
  const timer = setTimeout(stop, graceMs);
  (timer as { unref?: () => void }).unref?.();
  const onData = (chunk: { length: number }) => {
    dropped += chunk.length;
    if (dropped > graceBytes) stop();
  };
  const done = () => {
    clearTimeout(timer);
    req.removeListener("data", onData);
    req.removeListener("end", done);
    req.removeListener("close", done);
  };
  req.on("data", onData);
  req.on("end", done);
  req.on("close", done);
  req.resume?.();
  return {};
}

/** How much of an unread body is dropped after the answer before the connection is closed. */
const DRAIN_BYTES = 128 * 1024 * 1024;

/**
 * Writes a receiver's answer to a Node response. With `req`, a body the answer did not wait for is
 * settled by {@link settleUnreadBody} (the connection closed after a 408; the rest dropped for at
 * most `graceMs` otherwise). Nothing is written to a response that is already finished or
 * destroyed (the client left).
 */
export function writeNodeResponse(res: NodeResponse, answer: HttpResponse, req?: NodeRequest, graceMs = 10_000): void {
  if (res.writableEnded || res.destroyed || res.headersSent) return;
  res.statusCode = answer.status;
  const extra = req === undefined ? {} : settleUnreadBody(req, answer.status, graceMs);
  for (const [name, value] of Object.entries({ ...answer.headers, ...extra })) res.setHeader(name, value);
  res.end(answer.body); // Node sets Content-Length from the bytes
}

/**
 * Throws an `InvalidOptionError` unless `receiver` is a receiver (a `receive` function and its
 * limits): an adapter calls it once, when it is mounted, rather than failing on every request.
 */
export function checkNodeReceiver(receiver: NodeReceiver): void {
  if (typeof receiver?.receive !== "function")
    invalidOption("receiver", "the webhook handler needs a receiver from createReceiver");
  checkLimits(receiver);
}

/**
 * Hands one Node request to `receiver` and resolves with its answer, not yet written: the body is
 * read under the receiver's `maxBodyBytes` and `bodyTimeoutMs` (see `readNodeBody`), only for a
 * POST (anything else gets 405), and a body the answer did not wait for is settled (see
 * `settleUnreadBody`; its headers are in the answer). For frameworks that write through their own
 * reply object (Fastify); rejects only on a bug.
 */
export async function receiveNodeRequest(
  receiver: NodeReceiver,
  req: NodeRequest,
  options: NodeHandlerOptions = {},
): Promise<HttpResponse> {
  const method = req.method ?? "POST";
  const limits: ReadNodeBodyOptions = {
    maxBodyBytes: receiver.maxBodyBytes,
    bodyTimeoutMs: receiver.bodyTimeoutMs,
    bodyParserHint: options.bodyParserHint,
  };
  const body = method === "POST" ? readNodeBody(req, limits) : "";
  const answer = await receiver.receive({ method, headers: req.headers as Record<string, string>, body });
  const unread = settleUnreadBody(req, answer.status, receiver.bodyTimeoutMs);
  return unread.connection === undefined ? answer : { ...answer, headers: { ...answer.headers, ...unread } };
}

/**
 * Hands one Node request to `receiver` and writes its answer (see {@link receiveNodeRequest}).
 * Resolves once the answer is written; rejects only on a bug (nothing was written then).
 */
export async function handleNodeRequest(
  receiver: NodeReceiver,
  req: NodeRequest,
  res: NodeResponse,
  options: NodeHandlerOptions = {},
): Promise<void> {
  writeNodeResponse(res, await receiveNodeRequest(receiver, req, options));
}

/**
 * A `node:http` request listener for `receiver`: `http.createServer(toNodeHandler(receiver))`, or
 * one route of a server (`if (req.url === "/webhooks") return handler(req, res)`). It never throws:
 * a client that resets mid-body, withholds or trickles it, or sends more than `maxBodyBytes`, is
 * answered (or let go) without touching the process; a bug answers 500 and is logged.
 *
 * @example
 * import { createServer } from "node:http";
 * import { toNodeHandler } from "@hooks/core/node";
 * createServer(toNodeHandler(receiver)).listen(3000);
 */
export function toNodeHandler(
  receiver: NodeReceiver,
  options: NodeHandlerOptions = {},
): (req: NodeRequest, res: NodeResponse) => Promise<void> {
  checkNodeReceiver(receiver);
  let lastLogged = Number.NEGATIVE_INFINITY;
  let unlogged = 0;
  return (req, res) =>
    handleNodeRequest(receiver, req, res, options).catch((error: unknown) => {
      // A bug (a custom scheme that throws, say), perhaps on every hostile request: one line per
      // 10 s with the stack, never the error's properties, counting what was left out.
      const now = Date.now();
      if (now - lastLogged < 10_000) unlogged++;
      else {
        const more = unlogged > 0 ? ` (+${unlogged} more since the last such line)` : "";
        console.error(`hooks: the webhook handler failed unexpectedly${more}: ${stackOf(error)}`);
        lastLogged = now;
        unlogged = 0;
      }
      writeNodeResponse(
        res,
        {
          status: 500,
          headers: { "content-type": "application/json" },
          body: '{"code":"internal_error"}',
        },
        req,
        receiver.bodyTimeoutMs,
      );
    });
}

function stackOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}
