// Slack: `x-slack-signature: v0=<hex>` over `v0:${timestamp}:${body}`, `x-slack-request-timestamp`.
import { fromHex, toHex } from "../crypto/encoding";
import { parseTimestamp } from "../timestamp";
import { field, oneSignature, parseSignature, type Scheme, withoutLabel } from "./scheme";

const SIGNATURE = "x-slack-signature";
const TIMESTAMP = "x-slack-request-timestamp";

/**
 * Slack's request signing (v0), with its signing secret used as is. For the receiver, events come
 * from the Events API body (`event_id`, `event.type`); `x-slack-retry-num` gives the attempt.
 */
export const slack: Scheme = {
  name: "slack",
  parse: (header) => ({
    timestamp: parseTimestamp(header(TIMESTAMP), TIMESTAMP),
    signatures: [parseSignature(withoutLabel(header(SIGNATURE), "v0="), SIGNATURE, fromHex)],
  }),
  prefix: ({ timestamp }) => `v0:${timestamp}:`,
  headers: ({ timestamp, signatures }) => ({
    [SIGNATURE]: `v0=${toHex(oneSignature(signatures, "slack"))}`,
    [TIMESTAMP]: `${timestamp}`,
  }),
  event(body, header) {
    const inner = field(body, "event");
    const retry = header("x-slack-retry-num");
    return {
      id: field(body, "event_id"),
      type: field(inner, "type") ?? field(body, "type"),
      data: inner ?? body,
      attempt: retry !== undefined && /^[0-9]{1,3}$/.test(retry) ? Number(retry) + 1 : 1,
    };
  },
};
