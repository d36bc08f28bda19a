// The ready-made schemes as one object, `schemes.<name>`; by name (tree-shakable) from @hooks/core/schemes.
import { github } from "./github";
import { shopify } from "./shopify";
import { slack } from "./slack";
import { standardWebhooks } from "./standard-webhooks";
import { stripe } from "./stripe";
import { groq, timestampedHmac, vastai } from "./timestamped";

/**
 * Every built-in scheme. Built by a call marked pure (not `export * as`, which bundles to a
 * top-level call that keeps every scheme alive), so an app that imports schemes by name, or not
 * at all, ships none of the others.
 */
export const schemes = /* @__PURE__ */ Object.freeze({
  github,
  groq,
  shopify,
  slack,
  standardWebhooks,
  stripe,
  timestampedHmac,
  vastai,
});
