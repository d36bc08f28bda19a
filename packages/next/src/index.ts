// Next.js adapter: App Router route handlers (Node and Edge) and Pages Router API routes, on @hooks/core.
import { InvalidOptionError, type Receiver } from "@hooks/core";
import {
  checkNodeReceiver,
  handleNodeRequest,
  type NodeReceiver,
  type NodeRequest,
  type NodeResponse,
} from "@hooks/core/node";

/** The parts of Next's `NextApiRequest` (a Node `IncomingMessage`) the Pages adapter reads. */
export type ApiRequest = NodeRequest;
/** The parts of Next's `NextApiResponse` (a Node `ServerResponse`) the Pages adapter writes. */
export type ApiResponse = NodeResponse;

/** Where the fix goes in Next when its body parser read a webhook's body first. */
const BODY_PARSER_HINT =
  "Next's body parser is on for this API route: in the route's file, add `export const config = { api: { bodyParser: false } };`.";

/**
 * An App Router route handler. Web `Request` in, `Response` out, so it runs on the Node and the
 * Edge runtimes alike; the receiver reads the body itself under `maxBodyBytes` and `bodyTimeoutMs`.
 * Throws an `InvalidOptionError` (`option` `"receiver"`) at once unless `receiver` has a `fetch`.
 *
 * @example
 * // app/api/webhooks/route.ts
 * export const POST = toRouteHandler(receiver);
 */
export function toRouteHandler(receiver: Pick<Receiver, "fetch">): (request: Request) => Promise<Response> {
  // Checked when the route module loads, not as a TypeError on every request.
  if (typeof receiver?.fetch !== "function")
    throw new InvalidOptionError("receiver", "toRouteHandler needs a receiver from createReceiver");
  return (request) => receiver.fetch(request);
}

/**
 * A Pages Router API route handler, on `@hooks/core/node`: the raw body is read under the
 * receiver's limits and the receiver's answer is written back. The route's file must also export
 * `config = { api: { bodyParser: false } }`: Next parses the body before the handler runs, and the
 * signature covers the raw bytes (left on, every delivery gets 500 `invalid_payload` naming the fix,
 * and the receiver logs it). Throws an `InvalidOptionError` (`option` `"receiver"`) at once unless
 * `receiver` is one from `createReceiver`.
 *
 * @example
 * // pages/api/webhooks.ts
 * export const config = { api: { bodyParser: false } };
 * export default toApiHandler(receiver);
 */
export function toApiHandler(receiver: NodeReceiver): (req: ApiRequest, res: ApiResponse) => Promise<void> {
  checkNodeReceiver(receiver);
  return (req, res) => handleNodeRequest(receiver, req, res, { bodyParserHint: BODY_PARSER_HINT });
}
