// The Node edge: a request handed to a receiver, its answer written back, for node:http and anything
// that passes Node's req/res along (Express, Next Pages, Connect, Polka).
import { invalidOption } from "../errors";
import type { HttpResponse } from "../http";
import type { Receiver } from "../receiver/index";
import { type ReadNodeBodyOptions, readNodeBody } from "./read";
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
 * buffered), so a sender still writing can read the answer instead of a reset; if it has not
 * ended within `graceMs`, the connection is closed.
 */
export function settleUnreadBody(req: NodeRequest, status: number, graceMs: number): Record<string, string> {
  if (req.complete !== false || req.destroyed) return {};
  if (status === 408) return { connection: "close" };
  const timer = setTimeout(() => {
    if (req.complete === false) req.destroy?.();
  }, graceMs);
  (timer as { unref?: () => void }).unref?.();
  const done = () => {
    clearTimeout(timer);
    req.removeListener("end", done);
    req.removeListener("close", done);
  };
  req.on("end", done);
  req.on("close", done);
  req.resume?.();
  return {};
}

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
 * Hands one Node request to `receiver` and writes its answer: the body is read under the receiver's
 * `maxBodyBytes` and `bodyTimeoutMs` (see `readNodeBody`), only for a POST (anything else gets 405).
 * Resolves once the answer is written; rejects only on a bug (nothing was written then).
 */
export async function handleNodeRequest(
  receiver: NodeReceiver,
  req: NodeRequest,
  res: NodeResponse,
  options: NodeHandlerOptions = {},
): Promise<void> {
  const method = req.method ?? "POST";
  const limits: ReadNodeBodyOptions = {
    maxBodyBytes: receiver.maxBodyBytes,
    bodyTimeoutMs: receiver.bodyTimeoutMs,
    bodyParserHint: options.bodyParserHint,
  };
  const body = method === "POST" ? readNodeBody(req, limits) : "";
  const answer = await receiver.receive({
    method,
    headers: req.headers as Record<string, string>,
    body,
  });
  writeNodeResponse(res, answer, req, receiver.bodyTimeoutMs);
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
  if (typeof receiver?.receive !== "function" || !(receiver.maxBodyBytes > 0) || !(receiver.bodyTimeoutMs > 0)) {
    invalidOption("receiver", "toNodeHandler takes a receiver from createReceiver");
  }
  return (req, res) =>
    handleNodeRequest(receiver, req, res, options).catch((error: unknown) => {
      console.error("hooks: the webhook handler failed unexpectedly:", error);
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
