// @hooks/core/schemes: each built-in scheme by name, for apps that count bytes: a bundler keeps only
// the schemes imported (the `schemes` object of @hooks/core holds them all).

export { github } from "./github";
export { shopify } from "./shopify";
export { slack } from "./slack";
export { standardWebhooks } from "./standard-webhooks";
export { stripe } from "./stripe";
export { groq, type TimestampedHmacOptions, timestampedHmac, vastai } from "./timestamped";
