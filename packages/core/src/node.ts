// @hooks/core/node: the Node request edge. Reads a request's raw body under the receiver's limits
// and writes its answer back; `toNodeHandler` serves a receiver on node:http. Loaded only on Node.

export {
  checkNodeReceiver,
  handleNodeRequest,
  type NodeHandlerOptions,
  type NodeReceiver,
  receiveNodeRequest,
  settleUnreadBody,
  toNodeHandler,
  writeNodeResponse,
} from "./node/handler";
export { type ReadNodeBodyOptions, readNodeBody } from "./node/read";
export type { NodeLimits, NodeRequest, NodeResponse } from "./node/types";
