// Shopify: `x-shopify-hmac-sha256: <base64>` over the body alone; id from `x-shopify-webhook-id`.
import { fromBase64, toBase64 } from "../crypto/encoding";
import { oneSignature, parseOptionalId, parseSignature, type Scheme } from "./scheme";

const SIGNATURE = "x-shopify-hmac-sha256";
const WEBHOOK_ID = "x-shopify-webhook-id";

/**
 * Shopify's scheme, with the app's client secret used as is. There is no timestamp, so there is
 * no replay window: deduplicate on the id. For the receiver, the id is `x-shopify-event-id`
 * (the same for every webhook of one event) or else the webhook id, the type `x-shopify-topic`.
 */
export const shopify: Scheme = {
  name: "shopify",
  parse: (header) => ({
    id: parseOptionalId(header(WEBHOOK_ID), WEBHOOK_ID),
    signatures: [parseSignature(header(SIGNATURE), SIGNATURE, fromBase64)],
  }),
  prefix: () => "",
  headers: ({ id, signatures }) => ({
    [SIGNATURE]: toBase64(oneSignature(signatures, "shopify")),
    [WEBHOOK_ID]: id,
  }),
  event: (body, header, delivery) => ({
    id: header("x-shopify-event-id") ?? delivery.id,
    type: header("x-shopify-topic"),
    data: body,
  }),
};
